"""The one-page bilingual (中文 / English) PDF of a signed certificate, with a verification QR."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from wipe.errors import WipeError
from wipe.files import write_atomic

WQY_MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DEFAULT_MARKET = "https://xunhuan.example"
LABEL_W, ROW_H, PAGE_MARGIN = 52.0, 4.6, 14.0
MAX_PASS_LINES, MAX_DETAIL, MAX_VALUE, QR_SIZE = 8, 160, 900, 34.0
GREEN, RED, GREY = (22, 120, 60), (180, 30, 30), (90, 90, 90)

LEVELS = {"clear": "清除 Clear", "purge": "净化 Purge"}
TECHNIQUES = {
    "overwrite": "覆写 Overwrite",
    "block_erase": "块擦除 Block erase",
    "crypto_erase": "加密擦除 Cryptographic erase",
}
RESULTS = {"passed": "通过 PASSED", "failed": "未通过 FAILED", "aborted": "已中止 ABORTED"}
DESTINATIONS = {"resale": "再销售 Resale", "recycling": "回收 Recycling"}
MEDIA = {
    "hdd": "机械硬盘 HDD",
    "ssd": "固态硬盘 SSD",
    "nvme": "NVMe 固态硬盘 NVMe SSD",
    "flash": "闪存 Flash",
    "loop": "回环设备 Loop device",
    "virtual": "虚拟磁盘 Virtual disk",
    "unknown": "未知 Unknown",
}
VERIFY_MODES = {"full": "全盘读回 Full read-back", "sample": "抽样 Sampling", "none": "无 None"}


FOOTER = (
    "签名覆盖去除 signature 字段后按键排序的紧凑 JSON (UTF-8)。 The Ed25519 signature covers the "
    "sorted, compact UTF-8 JSON of the certificate without its signature field."
)


class PdfFontMissing(WipeError):
    """No installed font can render Chinese, so the certificate PDF cannot be made."""


def find_cjk_font() -> tuple[Path, int]:
    """Return a CJK font file and the index of its sans face in a collection."""
    if WQY_MICROHEI.is_file():
        return WQY_MICROHEI, 0
    fc_list = shutil.which("fc-list")
    if fc_list:
        listing = subprocess.run(  # noqa: S603 - fixed arguments to fontconfig
            [fc_list, ":lang=zh-cn", "file"], capture_output=True, text=True, check=False
        ).stdout
        for line in sorted(listing.splitlines()):
            candidate = Path(line.split(":")[0].strip())
            if candidate.suffix.lower() in (".ttf", ".ttc", ".otf") and candidate.is_file():
                return candidate, 0
    raise PdfFontMissing(
        "no font that can print Chinese is installed: apt-get install fonts-wqy-microhei"
    )


def verification_url(cert_id: str, market_url: str | None) -> str:
    """Return the public page where anyone can check this certificate."""
    return f"{(market_url or DEFAULT_MARKET).rstrip('/')}/certificates/{cert_id}"


def _size(size_bytes: int) -> str:
    return f"{size_bytes:,} 字节 bytes ({size_bytes / 1e9:,.1f} GB / {size_bytes / 2**30:,.1f} GiB)"


def _text(value: Any, empty: str = "— 无 none") -> str:
    if value is None or value == "":
        return empty
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return str(value)


def _passes(cert: dict[str, Any]) -> str:
    lines, passes = [], cert["passes"]
    for number, item in enumerate(passes[:MAX_PASS_LINES], start=1):
        generator = f" [{item['random_generator']}]" if item.get("random_generator") else ""
        errors = item["errors"] if isinstance(item["errors"], int) else len(item["errors"])
        lines.append(
            f"{number}. {item['pattern']}{generator}: {item['bytes_written']:,} bytes, "
            f"{item['seconds']:.1f} s, {errors} 错误 errors"
        )
    if len(passes) > MAX_PASS_LINES:
        rest = len(passes) - MAX_PASS_LINES
        lines.append(f"… 另有 {rest} 遍 and {rest} more passes (JSON 证书中有全部 all in the JSON)")
    return "\n".join(lines) or "— 无覆写 no overwrite pass"


def _errors(cert: dict[str, Any]) -> str:
    errors = cert["errors"]
    if not errors:
        return "0"
    shown = [f"@{e['offset']:,} +{e['length']:,}: {e['error']}" for e in errors[:3]]
    more = f"\n… 另有 {len(errors) - 3} 处 and {len(errors) - 3} more" if len(errors) > 3 else ""
    return f"{len(errors)}: " + "; ".join(shown) + more


def _sections(cert: dict[str, Any], url: str) -> list[tuple[str, list[tuple[str, str]]]]:
    device, hidden, verification = cert["device"], cert["hidden_areas"], cert["verification"]
    signature = cert["signature"]
    generators = sorted({p["random_generator"] for p in cert["passes"] if p["random_generator"]})
    block = f"{device['logical_block_size']} / {device['physical_block_size']} bytes"
    coverage = f"{VERIFY_MODES[verification['mode']]} · {verification['coverage_percent']:g} %"
    return [
        (
            "签发 Issuance",
            [
                ("证书编号 Certificate ID", cert["certificate_id"]),
                ("工具及版本 Tool / version", f"{cert['tool']['name']} {cert['tool']['version']}"),
                ("主机 Host", cert["host"]),
                ("操作员 Operator", cert["operator"]),
                ("机构 Organization", cert["organization"]),
                ("客户 / 寄售人 Customer", _text(cert["customer"])),
                ("资产标签 Asset tag", _text(cert["asset_tag"])),
                ("商品 Listing", _text(cert["listing_id"])),
            ],
        ),
        (
            "设备 Device",
            [
                (
                    "厂商 / 型号 Make / model",
                    f"{_text(device['vendor'], '')} {_text(device['model'])}",
                ),
                ("序列号 Serial number", _text(device["serial"])),
                ("WWN", _text(device["wwn"])),
                (
                    "总线 / 介质 Bus / media",
                    f"{_text(device['transport'])} · {MEDIA[device['media']]}",
                ),
                ("容量 Capacity", _size(device["size_bytes"])),
                ("扇区 Logical / physical block", block),
                (
                    "隐藏区域 Hidden areas",
                    f"HPA: {_text(hidden['hpa'])} · DCO: {_text(hidden['dco'])}"
                    + (f"\n{hidden['detail'][:MAX_DETAIL]}" if hidden.get("detail") else ""),
                ),
            ],
        ),
        (
            "清除 Erasure",
            [
                ("标准 / 级别 Standard / level", f"{cert['standard']} · {LEVELS[cert['level']]}"),
                ("方法 Technique", f"{TECHNIQUES[cert['technique']]} ({cert['profile']})"),
                ("遍数及模式 Passes / patterns", _passes(cert)),
                ("随机数发生器 Random generator", ", ".join(generators) or "— 无 none"),
                ("开始 / 结束 Start / end", f"{cert['started_at']}  →  {cert['finished_at']}"),
                (
                    "写入 / 速度 Written / throughput",
                    f"{cert['bytes_written']:,} bytes · {cert['throughput_mib_s']:.1f} MiB/s",
                ),
                ("错误 Errors", _errors(cert)),
            ],
        ),
        (
            "校验 Verification",
            [
                ("方式 / 覆盖率 Mode / coverage", coverage),
                (
                    "已校验 Verified",
                    f"{verification['bytes_verified']:,} bytes · "
                    f"{_text(verification['subsections'], '—')} 子区 subsections · "
                    f"种子 seed {_text(verification['seed'], '—')}",
                ),
                (
                    "校验结果 Verification result",
                    f"{RESULTS.get(verification['result'], verification['result'])} · "
                    f"{verification['mismatches']} 处不符 mismatches",
                ),
            ],
        ),
        (
            "结论 Outcome",
            [
                ("结果 Result", RESULTS[cert["result"]]),
                ("去向 Destination", DESTINATIONS[cert["destination"]]),
            ],
        ),
        (
            "签名 Signature",
            [
                ("算法 / 密钥 Alg / key ID", f"{signature['alg']} · {signature['key_id']}"),
                ("签名值 Signature", signature["value"]),
                ("在线核验 Verify online", url),
            ],
        ),
    ]


class _CertificatePDF(FPDF):
    def __init__(self, scale: float) -> None:
        super().__init__(format="A4")
        self.scale = scale

    def row(self, label: str, value: str) -> None:
        height = ROW_H * self.scale
        self.set_x(PAGE_MARGIN)
        self.set_font("cjk", size=7.5 * self.scale)
        self.set_text_color(*GREY)
        self.cell(LABEL_W, height, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font("cjk", size=8.5 * self.scale)
        self.set_text_color(0, 0, 0)
        text = value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, title: str) -> None:
        self.ln(1.2 * self.scale)
        self.set_font("cjk", size=10 * self.scale)
        self.set_text_color(0, 0, 0)
        self.cell(0, 6 * self.scale, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 200, 200)
        self.line(PAGE_MARGIN, self.get_y(), self.w - PAGE_MARGIN, self.get_y())
        self.ln(0.8 * self.scale)


def _qr_image(url: str) -> Any:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


def _layout(cert: dict[str, Any], url: str, font: tuple[Path, int], scale: float) -> FPDF | None:
    pdf = _CertificatePDF(scale)
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", "", str(font[0]), collection_font_number=font[1])
    pdf.set_title(f"数据清除证书 Data Erasure Certificate {cert['certificate_id']}")
    pdf.set_author(cert["organization"])
    pdf.set_creator(f"{cert['tool']['name']} {cert['tool']['version']}")
    pdf.add_page()
    pdf.image(_qr_image(url), x=pdf.w - PAGE_MARGIN - QR_SIZE, y=PAGE_MARGIN - 2, w=QR_SIZE)
    for size, height, text in (
        (17, 9, "数据清除证书"),
        (12, 6, "Data Erasure Certificate"),
        (8.5, 5, f"{cert['standard']} · {LEVELS[cert['level']]}"),
    ):
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(*(GREY if size < 10 else (0, 0, 0)))
        pdf.cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=14)
    pdf.set_text_color(*(GREEN if cert["result"] == "passed" else RED))
    pdf.cell(0, 9, f"结果 Result: {RESULTS[cert['result']]}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), PAGE_MARGIN + QR_SIZE - 1))
    for title, rows in _sections(cert, url):
        pdf.heading(title)
        for label, value in rows:
            pdf.row(label, value)
    footer_y = pdf.h - PAGE_MARGIN - 4
    if pdf.get_y() > footer_y:
        return None
    pdf.set_y(footer_y)
    pdf.set_font("cjk", size=6.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 3.2, FOOTER, align="L")
    return pdf


def render_certificate_pdf(cert: dict[str, Any], path: Path, *, market_url: str | None) -> Path:
    """Render the certificate as a one-page A4 PDF at `path` (written atomically)."""
    font = find_cjk_font()
    url = verification_url(cert["certificate_id"], market_url)
    # Long pass lists or error logs shrink the type rather than spill onto a second page.
    for scale in (1.0, 0.9, 0.8, 0.7):
        pdf = _layout(cert, url, font, scale)
        if pdf is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, bytes(pdf.output()))
            return path
    raise RuntimeError("the certificate does not fit on one page even in small type")
