"""The certificate PDF: one bilingual A4 page with every fact, readable by people and machines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.erasure import CERT_ID, HOST, make_certificate
from tests.support.requirements import need
from wipe import pdf
from wipe.certificate import sign_certificate
from wipe.pdf import PdfFontMissing, render_certificate_pdf, verification_url


def certificate(**overrides: Any) -> dict[str, Any]:
    return sign_certificate(make_certificate(**overrides), Ed25519PrivateKey.generate())


def need_poppler() -> None:
    need(shutil.which("pdftotext") is not None, "pdftotext", "apt-get install poppler-utils")


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def test_the_pdf_carries_every_certificate_fact_in_chinese_and_english(tmp_path: Path) -> None:
    need_poppler()
    cert = certificate()
    path = render_certificate_pdf(cert, tmp_path / "c.pdf", market_url="https://market.test/")
    text = pdf_text(path)
    labels = [
        "数据清除证书", "Data Erasure Certificate", "证书编号 Certificate ID", "主机 Host",
        "工具及版本 Tool / version", "操作员 Operator", "机构 Organization", "资产标签 Asset tag",
        "商品 Listing", "序列号 Serial number", "容量 Capacity", "隐藏区域 Hidden areas",
        "标准 / 级别 Standard / level", "方法 Technique", "遍数及模式 Passes / patterns",
        "随机数发生器 Random generator", "方式 / 覆盖率 Mode / coverage", "错误 Errors",
        "去向 Destination", "签名值 Signature",
    ]  # fmt: skip
    for label in labels:
        assert label in text, label
    facts = [
        CERT_ID, "xunhuan-wipe-agent 0.1.0", HOST, "王磊", "循环二手 南开店",
        "李女士", "NK-2026-0042", "L-1842", "ST1000LM024 HN-M101MBB",
        "S2ZTJ9BD407382",  # the serial in full: this is the shop's own record
        "1,000,204,886,016", "GB 46864-2025", "清除 Clear", "覆写 Overwrite", "AES-256-CTR",
        "10.2 %", "通过 PASSED", "再销售 Resale", cert["signature"]["key_id"],
        f"https://market.test/certificates/{CERT_ID}",
    ]  # fmt: skip
    for fact in facts:
        assert fact in text, fact
    assert cert["signature"]["value"][:40] in text.replace("\n", "")


def test_the_pdf_is_one_page_with_its_cjk_font_embedded(tmp_path: Path) -> None:
    need_poppler()
    path = render_certificate_pdf(certificate(), tmp_path / "c.pdf", market_url=None)
    assert page_count(path) == 1
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "WenQuanYi" in fonts.stdout and " yes " in fonts.stdout  # embedded subset


def test_a_long_erasure_still_fits_on_one_page(tmp_path: Path) -> None:
    need_poppler()
    passes = [
        {"pattern": "random", "random_generator": "AES-256-CTR", "bytes_written": 1 << 40,
         "seconds": 9000.0, "errors": 2}
        for _ in range(35)
    ]  # fmt: skip
    errors = [{"offset": i << 20, "length": 4096, "error": "EIO"} for i in range(50)]
    cert = certificate(passes=passes, errors=errors, result="failed",
                       hidden_areas__detail="x" * 500)  # fmt: skip
    path = render_certificate_pdf(cert, tmp_path / "c.pdf", market_url=None)
    text = pdf_text(path)
    assert page_count(path) == 1
    assert "27 more passes" in text and "47 more" in text and "未通过 FAILED" in text


def test_the_qr_code_points_to_the_public_verification_page() -> None:
    assert verification_url(CERT_ID, None) == f"https://xunhuan.example/certificates/{CERT_ID}"
    assert verification_url(CERT_ID, "http://127.0.0.1:5000/") == (
        f"http://127.0.0.1:5000/certificates/{CERT_ID}"
    )


def test_page_one_renders_to_an_image(tmp_path: Path) -> None:
    need(shutil.which("pdftoppm") is not None, "pdftoppm", "apt-get install poppler-utils")
    path = render_certificate_pdf(certificate(), tmp_path / "c.pdf", market_url=None)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page.png").read_bytes().startswith(b"\x89PNG")


def test_without_any_cjk_font_the_pdf_fails_with_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "WQY_MICROHEI", tmp_path / "missing.ttc")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(PdfFontMissing, match="fonts-wqy-microhei"):
        render_certificate_pdf(certificate(), tmp_path / "c.pdf", market_url=None)
    assert not (tmp_path / "c.pdf").exists()
