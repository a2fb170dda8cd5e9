"""The certificate as an A4 PDF (fpdf2), Chinese first and English, with the Chinese
text in an embedded CJK font and a QR code of the verify page (segno).

The font comes from the system: UROSTER_CERTIFICATE_FONT, else what fontconfig
offers for Chinese, else Debian's usual paths. Without one the PDF cannot be made and
the endpoint answers 503 (FontMissing); everything else keeps working.
"""

import io
import logging
import subprocess
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import FontFace

from app.errors import AppError

# Debian packages with a Chinese font that fpdf2 embeds (TTC faces included).
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
)
FONT_FILES = (".ttf", ".otf", ".ttc", ".otc")
# A font that lacks these cannot print the certificate's own title.
NEEDED_GLYPHS = "志愿服务证明验证码"
FONT_PACKAGE = "fonts-wqy-zenhei"

# WenQuanYi Zen Hei carries bitmap strikes that fontTools cannot subset and drops,
# with a warning on every PDF; the outlines it embeds are what the page uses.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

INK = (29, 36, 51)
MUTED = (91, 100, 117)
ACCENT = (155, 28, 28)


class FontMissing(AppError):
    status, slug = 503, "certificate-font-missing"


@dataclass(frozen=True)
class Font:
    path: str
    index: int = 0  # the face of a TrueType collection


def covers_chinese(font: Font) -> bool:
    if not font.path.lower().endswith(FONT_FILES) or not Path(font.path).is_file():
        return False
    try:
        with TTFont(font.path, fontNumber=font.index, lazy=True) as face:
            cmap = face.getBestCmap() or {}
    except Exception:  # a broken or foreign file is as good as none
        return False
    return all(ord(char) in cmap for char in NEEDED_GLYPHS)


def _fontconfig_choice() -> Font | None:
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}\t%{index}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = found.partition("\t")
    if not path:
        return None
    return Font(path, int(index) if index.isdigit() else 0)


@lru_cache(maxsize=8)
def find_font(configured: str | None) -> Font | None:
    """The Chinese font to embed, or None. A configured font is the only one tried, so
    that a typo is reported rather than hidden by a fallback."""
    if configured:
        font = Font(configured)
        return font if covers_chinese(font) else None
    candidates = [_fontconfig_choice(), *(Font(path) for path in KNOWN_FONTS)]
    return next((f for f in candidates if f is not None and covers_chinese(f)), None)


def require_font(configured: str | None) -> Font:
    font = find_font(configured)
    if font is not None:
        return font
    if configured:
        detail = (
            f"UROSTER_CERTIFICATE_FONT={configured} is not a TrueType/OpenType font with "
            "Chinese glyphs, so certificates cannot be printed. Point it at one (e.g. "
            f"{KNOWN_FONTS[0]} from Debian's {FONT_PACKAGE}) or unset it."
        )
    else:
        detail = (
            "No Chinese font is installed, so certificates cannot be printed. Install "
            f"Debian's {FONT_PACKAGE} (or fonts-noto-cjk), or set UROSTER_CERTIFICATE_FONT."
        )
    raise FontMissing(detail)


@dataclass(frozen=True)
class CertificateContent:
    """Everything the page prints, already looked up."""

    code: str  # as stored: ABCD2345WXYZ
    printed_code: str  # grouped for reading: ABCD-2345-WXYZ
    holder_name: str
    from_date: date
    to_date: date
    hours: float
    stations: list[dict]  # {code, name, hours, duties}
    district_name: str
    issued_on: date
    verify_url: str


def hours_text(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def render(content: CertificateContent, font: Font) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(f"志愿服务证明 Volunteer service certificate {content.printed_code}")
    pdf.set_lang("zh-CN")
    pdf.set_creator("U-Roster")
    pdf.add_font("cjk", "", font.path, collection_font_number=font.index)
    pdf.set_margins(22, 22, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()
    _frame(pdf)
    width = pdf.epw

    pdf.set_y(30)
    _text(pdf, 28, ACCENT)
    pdf.cell(width, 14, "志愿服务证明", align="C", new_x="LMARGIN", new_y="NEXT")
    _text(pdf, 14, MUTED)
    pdf.cell(width, 8, "Volunteer Service Certificate", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)

    period_zh = f"{content.from_date.isoformat()} 至 {content.to_date.isoformat()}"
    period_en = f"{content.from_date.isoformat()} to {content.to_date.isoformat()}"
    hours = hours_text(content.hours)
    _text(pdf, 12.5, INK)
    pdf.multi_cell(
        width,
        8,
        f"兹证明 {content.holder_name} 于 {period_zh} 期间参加志愿服务，"
        f"经站点签到签退及协调员核实，累计服务 {hours} 小时。",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1)
    _text(pdf, 10.5, MUTED)
    pdf.multi_cell(
        width,
        6,
        f"This is to certify that {content.holder_name} served as a volunteer from "
        f"{period_en}, with {hours} hours of service verified by station check-in and "
        "check-out records and coordinators.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)

    for label, value in (
        ("姓名 Name", content.holder_name),
        ("服务期间 Period", period_zh.replace(" 至 ", " – ")),
        ("累计时长 Total hours", f"{hours} 小时 h"),
    ):
        _text(pdf, 10.5, MUTED)
        pdf.cell(52, 8, label)
        _text(pdf, 13, INK)
        pdf.cell(width - 52, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    _text(pdf, 10.5, INK)
    heading = FontFace(color=(255, 255, 255), fill_color=ACCENT)
    with pdf.table(
        col_widths=(62, 30, 36, 38),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=heading,
        line_height=7.5,
        borders_layout="HORIZONTAL_LINES",
        padding=1.5,
    ) as table:
        table.row(("站点 Station", "编号 Code", "服务次数 Duties", "时长 Hours"))
        for station in content.stations:
            table.row(
                (
                    station["name"],
                    station["code"],
                    str(station["duties"]),
                    hours_text(station["hours"]),
                )
            )
        table.row(("合计 Total", "", str(sum(s["duties"] for s in content.stations)), hours))
    pdf.ln(8)

    _footer(pdf, content)
    return bytes(pdf.output())


def _text(pdf: FPDF, size: float, color: tuple[int, int, int]) -> None:
    pdf.set_font("cjk", size=size)
    pdf.set_text_color(*color)


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.25)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)


def _footer(pdf: FPDF, content: CertificateContent) -> None:
    """Issuer, date and code on the left, the QR code of the verify page on the right,
    kept together at the foot of the page (or of the next one)."""
    qr_size = 38
    block = 52
    if pdf.get_y() + block > pdf.h - pdf.b_margin:
        pdf.add_page()
        _frame(pdf)
    top = max(pdf.get_y(), pdf.h - pdf.b_margin - block)
    left_width = pdf.epw - qr_size - 8
    pdf.set_y(top)
    for label, value in (
        ("发证单位 Issued by", content.district_name),
        ("发证日期 Date of issue", content.issued_on.isoformat()),
        ("验证码 Verification code", content.printed_code),
    ):
        _text(pdf, 10, MUTED)
        pdf.cell(left_width, 6, label, new_x="LMARGIN", new_y="NEXT")
        _text(pdf, 13, INK)
        pdf.cell(left_width, 8, value, new_x="LMARGIN", new_y="NEXT")
    _text(pdf, 8.5, MUTED)
    pdf.multi_cell(
        left_width,
        4.5,
        f"扫描二维码或访问以下网址核验本证明 / Scan the QR code or visit {content.verify_url} "
        "to check this certificate.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    qr = io.BytesIO()
    segno.make(content.verify_url, error="m").save(qr, kind="png", scale=10, border=2)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - pdf.r_margin - qr_size, y=top, w=qr_size, h=qr_size)
