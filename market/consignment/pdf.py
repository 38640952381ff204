"""The shop's printed papers, bilingual (中文 / English): agreement, item tags, statement.

The font comes from wipe.pdf, the one way this project prints Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from market.consignment import terms
from market.consignment.models import ConsignmentItem, Consignor, ItemStatus
from market.consignment.payouts import Statement
from market.consignment.services import agreement_of
from market.listings.models import Listing
from market.money import yuan as _yuan
from market.orgs.models import Organization
from wipe.pdf import find_cjk_font

MARGIN, GREY = 14.0, (90, 90, 90)
END_ACTIONS = {
    "return": "退还寄卖人 Returned to the consignor",
    "donate": "捐赠 Donated",
    "shop_stock": "转为本店库存 Becomes shop stock",
}
STATUSES = {
    ItemStatus.ON_SALE: "寄卖中 On sale",
    ItemStatus.SOLD: "已售出 Sold",
    ItemStatus.TO_RETURN: "到期待取回 To collect",
    ItemStatus.RETURNED: "已退还 Returned",
    ItemStatus.DONATED: "已捐赠 Donated",
    ItemStatus.SHOP_STOCK: "本店库存 Shop stock",
}
METHODS = {"cash": "现金 Cash", "transfer": "转账 Transfer"}
CLAUSES = (
    "1. 本店代为展示、出售上述物品，售价按降价计划自动调整；成交后按分成比例结算。",
    "   The shop displays and sells the item; its price follows the markdown schedule; "
    "each sale is divided by the split.",
    "2. 寄卖人保证对物品有合法处分权，所述成色与说明属实；电子设备已清除个人数据。",
    "   The consignor owns the item and its description is true; devices were wiped of "
    "personal data.",
    "3. 余额达到最低结算金额后，寄卖人可在营业时间到店领取（现金或转账）。",
    "   Once the balance reaches the minimum payout, the consignor is paid at the counter "
    "(cash or transfer).",
    "4. 寄卖期满未售出的，按约定的到期处理方式处理。",
    "   If the item is unsold at the end of the term, the end action agreed below applies.",
)

CLAIM_NOTE = (
    "登录循环，在“我的寄卖”输入此码即可在线查看本店的寄卖记录；仅可使用一次，请勿告诉他人。\n"
    "Log in to Xunhuan and enter this code under My consignments to see your records online; "
    "it works once, keep it to yourself."
)


def _date(when: datetime) -> str:
    return terms.shop_day(when).isoformat()


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


class _Doc(FPDF):
    def __init__(self, title: str, author: str) -> None:
        super().__init__(format="A4")
        font = find_cjk_font()
        self.add_font("cjk", "", str(font[0]), collection_font_number=font[1])
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("Xunhuan 循环")

    def title_block(self, chinese: str, english: str, note: str) -> None:
        self.set_font("cjk", size=17)
        self.cell(0, 9, chinese, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", size=12)
        self.cell(0, 6, english, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", size=8.5)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4.6, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("cjk", size=10.5)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 200, 200)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1)

    def row(self, label: str, value: str) -> None:
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(58, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font("cjk", size=9)
        self.set_text_color(0, 0, 0)
        self.multi_cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headers: list[str], rows: Iterable[list[str]], widths: list[float]) -> None:
        self.set_font("cjk", size=7.5)
        self.set_text_color(*GREY)
        for text, width in zip(headers, widths, strict=True):
            self.cell(width, 5, text, border="B")
        self.ln(5)
        self.set_text_color(0, 0, 0)
        self.set_font("cjk", size=8.5)
        empty = True
        for row in rows:
            empty = False
            for text, width in zip(row, widths, strict=True):
                self.cell(width, 5.5, text[:40])
            self.ln(5.5)
        if empty:
            self.cell(0, 5.5, "— 无 none", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _qr(url: str) -> Any:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=1)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


def _shop_rows(shop: Organization, hours: str) -> list[tuple[str, str]]:
    rows = [("寄卖店 Shop", shop.name)]
    if shop.address:
        rows.append(("地址 Address", shop.address))
    if shop.uscc:
        rows.append(("统一社会信用代码 USCC", shop.uscc))
    if hours:
        rows.append(("营业时间 Opening hours", hours))
    return rows


def _split_text(split: dict[str, Any], consignor_id: int) -> list[str]:
    lines = [f"默认 Default: {_percent(split['default_bp'])}"]
    for up, rate in split.get("tiers", []):
        bound = f"≤ {_yuan(up)}" if up is not None else "以上 above"
        lines.append(f"价格档 Price tier {bound}: {_percent(rate)}")
    for prefix, rate in split.get("categories", []):
        lines.append(f"分类 Category {prefix}: {_percent(rate)}")
    for cid, rate in split.get("consignors", []):
        if cid == consignor_id:
            lines.append(f"寄卖人专属 This consignor: {_percent(rate)}")
    return lines


def agreement_pdf(
    *,
    shop: Organization,
    hours: str,
    minimum_fen: int,
    item: ConsignmentItem,
    listing: Listing,
    consignor: Consignor,
    claim_code: str | None = None,
) -> bytes:
    """The agreement for one item, with signature lines for the shop and the consignor, and
    the walk-in's claim code when it was just issued (it is kept only as a hash)."""

    agreement = agreement_of(item)
    doc = _Doc(f"寄卖协议 Consignment Agreement {item.code}", shop.name)
    doc.add_page()
    doc.title_block("寄卖协议", "Consignment Agreement", f"编号 No. {item.code}")
    doc.heading("双方 Parties")
    for label, value in _shop_rows(shop, hours):
        doc.row(label, value)
    doc.row("寄卖人 Consignor", consignor.name)
    doc.row("手机号 Mobile", consignor.mobile or "")
    if consignor.user_id is not None:
        doc.row("账号 Account", "已关联循环账号 Linked to a Xunhuan account")
    elif claim_code:
        doc.row("认领码 Claim code", claim_code)
        doc.row("", CLAIM_NOTE)
    doc.heading("物品 Item")
    doc.row("物品 Item", listing.title)
    doc.row("分类 Category", listing.category)
    doc.row("成色 Grade", listing.grade)
    doc.row("寄卖价格 List price", _yuan(item.list_price_fen))
    doc.heading("条款 Terms")
    doc.row("收货日期 Intake date", _date(item.intake_at))
    doc.row("寄卖期 Term", f"{item.term_days} 天 days, 至 until {terms.last_day(agreement)}")
    if item.do_not_discount:
        schedule = "不打折 Do not discount"
    else:
        schedule = "; ".join(
            f"第 {day} 天起 from day {day}: {_percent(bp)}" for day, bp in item.steps
        )
    doc.row("降价计划 Markdown schedule", schedule)
    if item.floor_fen:
        doc.row("最低价 Floor price", _yuan(item.floor_fen))
    doc.row("分成（本店所得）Shop's share", "\n".join(_split_text(item.split, item.consignor_id)))
    doc.row("到期处理 End of term", END_ACTIONS[item.end_action])
    doc.row("最低结算金额 Minimum payout", _yuan(minimum_fen))
    doc.heading("约定 Clauses")
    doc.set_font("cjk", size=8)
    for line in CLAUSES:
        doc.multi_cell(0, 4.4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(10)
    half = (doc.w - 2 * MARGIN) / 2
    doc.set_font("cjk", size=9)
    doc.cell(half, 6, "本店签章 Shop signature: ____________", new_x=XPos.RIGHT, new_y=YPos.TOP)
    doc.cell(
        half, 6, "寄卖人签字 Consignor signature: ____________", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    doc.ln(4)
    doc.cell(half, 6, "日期 Date: ____________", new_x=XPos.RIGHT, new_y=YPos.TOP)
    doc.cell(half, 6, "日期 Date: ____________", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    doc.set_font("cjk", size=7.5)
    doc.set_text_color(*GREY)
    doc.multi_cell(
        0,
        4,
        f"寄卖人已于 {_date(item.accepted_at)} 阅读并同意本协议。 "
        f"The consignor read and accepted this agreement on "
        f"{_date(item.accepted_at)}.",
    )
    return bytes(doc.output())


TAG_W, TAG_H, TAG_COLS, TAG_ROWS, TAG_QR = 88.0, 62.0, 2, 4, 30.0


def tags_pdf(*, shop: Organization, tags: list[tuple[ConsignmentItem, Listing, str]]) -> bytes:
    """A sheet of tags, eight to an A4 page: code, price, grade, a QR code to the listing."""
    doc = _Doc("寄卖标签 Item tags", shop.name)
    doc.set_auto_page_break(False)
    gap_x = (doc.w - 2 * MARGIN - TAG_COLS * TAG_W) / max(TAG_COLS - 1, 1)
    for n, (item, listing, url) in enumerate(tags):
        slot = n % (TAG_COLS * TAG_ROWS)
        if slot == 0:
            doc.add_page()
        x = MARGIN + (slot % TAG_COLS) * (TAG_W + gap_x)
        y = MARGIN + (slot // TAG_COLS) * (TAG_H + 4)
        doc.set_draw_color(160, 160, 160)
        doc.rect(x, y, TAG_W, TAG_H)
        doc.image(_qr(url), x=x + TAG_W - TAG_QR - 3, y=y + 3, w=TAG_QR)
        text_w = TAG_W - TAG_QR - 8
        doc.set_xy(x + 3, y + 3)
        doc.set_font("cjk", size=8)
        doc.set_text_color(*GREY)
        doc.cell(text_w, 4.5, shop.name[:20], new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_text_color(0, 0, 0)
        doc.set_font("cjk", size=15)
        doc.cell(text_w, 8, item.code, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font("cjk", size=9)
        doc.multi_cell(text_w, 4.5, listing.title[:36], new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font("cjk", size=14)
        doc.cell(text_w, 8, _yuan(listing.price_fen), new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font("cjk", size=8.5)
        doc.cell(text_w, 4.5, f"成色 Grade {listing.grade}", new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_xy(x + 3, y + TAG_H - 14)
        doc.set_font("cjk", size=7)
        doc.set_text_color(*GREY)
        if item.do_not_discount:
            note = "不打折 No markdown"
        else:
            note = " · ".join(f"{day}天/days: {_percent(bp)}" for day, bp in item.steps[1:])
            note = f"降价 Markdowns: {note}" if note else "不降价 No markdown"
        doc.multi_cell(TAG_W - 6, 3.6, f"{note}\n扫码看现价 Scan for today's price · {item.code}")
        doc.set_text_color(0, 0, 0)
    if not tags:
        doc.add_page()
        doc.title_block("寄卖标签", "Item tags", "— 无 none")
    return bytes(doc.output())


def statement_pdf(*, shop: Organization, hours: str, data: Statement, printed: datetime) -> bytes:
    """The consignor's statement: items, sales with the shop's share, payouts, balance."""
    consignor = data.consignor
    doc = _Doc(f"寄卖对账单 Consignor statement · {consignor.name}", shop.name)
    doc.add_page()
    doc.title_block("寄卖对账单", "Consignor Statement", f"打印日期 Printed {_date(printed)}")
    for label, value in _shop_rows(shop, hours):
        doc.row(label, value)
    doc.row("寄卖人 Consignor", f"{consignor.name} · {consignor.mobile or ''}")
    doc.heading("物品 Items")
    doc.grid(
        ["编号 Code", "物品 Item", "状态 Status", "价格 Price"],
        (
            [i.code, lst.title, STATUSES[i.status_enum], _yuan(lst.price_fen)]
            for i, lst in data.items
        ),
        [26, 84, 44, 28],
    )
    codes = {i.id: i.code for i, _lst in data.items}
    doc.heading("销售 Sales")
    doc.grid(
        ["日期 Date", "编号 Code", "售价 Price", "本店 Shop", "寄卖人 Consignor"],
        (
            [
                _date(s.sold_at),
                codes.get(s.item_id, ""),
                _yuan(s.price_fen),
                _yuan(s.shop_fen),
                _yuan(s.consignor_fen),
            ]
            for s in data.sales
        ),
        [30, 30, 40, 40, 42],
    )
    doc.heading("结算 Payouts")
    doc.grid(
        ["日期 Date", "方式 Method", "流水号 Reference", "金额 Amount"],
        (
            [
                _date(p.paid_at),
                METHODS.get(p.method, p.method),
                p.reference or "—",
                _yuan(p.amount_fen),
            ]
            for p in data.payouts
        ),
        [30, 40, 72, 40],
    )
    doc.heading("合计 Totals")
    doc.row("寄卖人所得 Consignor's shares", _yuan(data.earned_fen))
    doc.row("本店分成 Shop's shares", _yuan(data.shop_fen))
    doc.row("已结算 Paid out", _yuan(data.paid_fen))
    doc.row("余额 Balance", _yuan(data.balance_fen))
    doc.row("最低结算金额 Minimum payout", _yuan(data.minimum_fen))
    return bytes(doc.output())
