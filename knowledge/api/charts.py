"""The analytics charts as server-rendered SVG: geometry from the summary's figures.

No chart library and nothing from a CDN: each chart is a few rectangles and labels computed
here and drawn by the ``admin_analytics.html`` template, with its figures as a table beside
it (the text alternative a screen reader reads). Colours come from ``admin.css`` classes
(``series-0`` …), so the page's CSP (``style-src 'self'``) holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from knowledge.analytics import AnalyticsSummary

# viewBox units; the SVG scales to its column (about 560 px on a desktop, 300 on a phone), so
# its 12-unit labels stay between 9 and 14 px.
WIDTH = 480
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 10, 26
MAX_X_LABELS = 8


@dataclass
class Bar:
    """One rectangle, with what it shows (``title`` is its tooltip and accessible text)."""

    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass
class Tick:
    """An axis label at a position."""

    at: float
    text: str


@dataclass
class Chart:
    """One chart: bars, axis labels and legend, plus the table of its figures."""

    key: str
    title: str
    description: str
    series: list[str]
    headers: list[str]
    rows: list[list[str]]
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    labels: list[Bar] = field(default_factory=list)  # horizontal charts: a text per bar
    empty: bool = False


def day_label(day: date) -> str:
    """A day as dd/mm.

    Example:
        >>> day_label(date(2026, 12, 1))
        '01/12'
    """
    return day.strftime("%d/%m")


def number(value: float | None, digits: int = 0) -> str:
    """A figure written the Vietnamese way (``.`` between thousands, ``,`` for decimals).

    Example:
        >>> number(12345), number(4.5, 1), number(None)
        ('12.345', '4,5', '—')
    """
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def nice_max(value: float) -> float:
    """A round top for an axis at or above ``value`` (1, 2, 5 × a power of ten).

    Example:
        >>> nice_max(0), nice_max(7), nice_max(13), nice_max(240)
        (1.0, 10.0, 20.0, 250.0)
    """
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def column_chart(
    key: str,
    title: str,
    description: str,
    days: list[date],
    series: list[tuple[str, list[float | None]]],
    *,
    digits: int = 0,
    top: float | None = None,
) -> Chart:
    """Bars per day, one per series side by side; a missing value (None) draws nothing."""
    headers = ["Ngày", *(name for name, _ in series)]
    rows = [
        [day_label(d), *(number(values[i], digits) for _, values in series)]
        for i, d in enumerate(days)
    ]
    chart = Chart(key, title, description, [name for name, _ in series], headers, rows)
    values = [v for _, vs in series for v in vs if v is not None]
    chart.empty = not any(values)
    ceiling = float(top or nice_max(max(values, default=0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    bar_w = max(min(slot * 0.8 / len(series), 24), 1)
    for i, d in enumerate(days):
        for s, (name, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            height = plot_h * value / ceiling
            x = LEFT + i * slot + (slot - bar_w * len(series)) / 2 + s * bar_w
            tip = f"{day_label(d)} · {name}: {number(value, digits)}"
            chart.bars.append(Bar(x, TOP + plot_h - height, bar_w, height, s, tip))
    every = max(1, math.ceil(len(days) / MAX_X_LABELS))
    chart.x_ticks = [
        Tick(LEFT + i * slot + slot / 2, day_label(d)) for i, d in enumerate(days) if i % every == 0
    ]
    chart.y_ticks = [
        Tick(TOP + plot_h - plot_h * f, number(ceiling * f, 0 if (ceiling * f).is_integer() else 1))
        for f in (0, 0.5, 1)
    ]
    return chart


def bar_list_chart(
    key: str, title: str, description: str, headers: list[str], items: list[tuple[str, float]]
) -> Chart:
    """Horizontal bars, one per item: the template writes each label as HTML text above a bar
    whose length (``Bar.width``, 0–100) is its share of the largest value.
    """
    chart = Chart(key, title, description, [headers[-1]], headers, [])
    chart.empty = not items
    ceiling = max((v for _, v in items), default=0) or 1
    for label, value in items:
        width = max(100 * value / ceiling, 1)
        chart.labels.append(Bar(0, 0, width, 10, 0, label))
        chart.x_ticks.append(Tick(width, number(value)))
        chart.rows.append([label, number(value)])
    return chart


def share_chart(key: str, title: str, description: str, parts: list[tuple[str, int]]) -> Chart:
    """One bar split into the shares of ``parts`` (direct answers vs menus)."""
    total = sum(v for _, v in parts)
    headers = ["Loại trả lời", "Số câu trả lời", "Tỉ lệ"]
    rows = [[name, number(v), _percent(v, total)] for name, v in parts]
    chart = Chart(key, title, description, [name for name, _ in parts], headers, rows, height=40)
    chart.empty = total == 0
    x = 0.0
    for s, (name, value) in enumerate(parts):
        width = WIDTH * value / total if total else 0
        if width:
            tip = f"{name}: {number(value)} ({_percent(value, total)})"
            chart.bars.append(Bar(x, 4, width, 32, s, tip))
            if width > 60:
                chart.x_ticks.append(Tick(x + width / 2, _percent(value, total)))
        x += width
    return chart


def _percent(value: int, total: int) -> str:
    return f"{number(100 * value / total, 1)}%" if total else "—"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def analytics_charts(figures: AnalyticsSummary) -> list[Chart]:
    """Every chart of the dashboard, in the order the page shows them."""
    days = [d.day for d in figures.chat_per_day]
    chat = figures.chat_per_day
    return [
        column_chart(
            "conversations",
            "Cuộc trò chuyện và câu hỏi theo ngày",
            "Số cuộc trò chuyện mới và số câu hỏi của người dân mỗi ngày.",
            days,
            [
                ("Cuộc trò chuyện", [float(d.conversations) for d in chat]),
                ("Câu hỏi", [float(d.questions) for d in chat]),
            ],
        ),
        bar_list_chart(
            "procedures",
            "Thủ tục được hỏi nhiều nhất",
            "Các thủ tục được trợ lý ảo trích dẫn nhiều nhất trong câu trả lời.",
            ["Thủ tục", "Số câu trả lời"],
            [(f"{p.code} · {p.name}", float(p.answers)) for p in figures.most_cited_procedures],
        ),
        column_chart(
            "thumbs",
            "Lượt thích và không thích theo ngày",
            "Số lượt thích và không thích câu trả lời của trợ lý ảo mỗi ngày.",
            days,
            [
                ("Thích", [float(d.thumbs_up) for d in chat]),
                ("Không thích", [float(d.thumbs_down) for d in chat]),
            ],
        ),
        column_chart(
            "ratings",
            "Điểm đánh giá trung bình theo ngày (1–5)",
            "Điểm trung bình người dân chấm cuộc trò chuyện, những ngày có đánh giá.",
            days,
            [("Điểm trung bình", [d.rating_mean for d in chat])],
            digits=1,
            top=5,
        ),
        column_chart(
            "handoffs",
            "Chuyển cán bộ và hẹn gọi lại theo ngày",
            "Số lần chuyển cuộc trò chuyện cho cán bộ và số yêu cầu gọi lại mỗi ngày.",
            days,
            [
                ("Chuyển cán bộ", [float(d.handoffs) for d in chat]),
                ("Hẹn gọi lại", [float(d.callbacks) for d in chat]),
            ],
        ),
        column_chart(
            "waits",
            "Thời gian chờ cán bộ trung bình theo ngày (giây)",
            "Từ lúc vào hàng chờ đến lúc cán bộ nhận, trung bình mỗi ngày.",
            days,
            [("Thời gian chờ (giây)", [d.wait_seconds_mean for d in chat])],
            digits=1,
        ),
        share_chart(
            "direct",
            "Trả lời trực tiếp và trả lời bằng danh sách chọn",
            "Tỉ lệ câu trả lời nêu thẳng một thủ tục so với câu trả lời đưa danh sách để chọn.",
            [
                ("Trả lời trực tiếp", figures.direct_answers),
                ("Danh sách chọn", figures.menu_answers),
            ],
        ),
    ]


def key_figures(figures: AnalyticsSummary) -> list[tuple[str, str]]:
    """The figures over the whole range shown above the charts, as (label, value)."""
    chat = figures.chat_per_day
    ratings = sum(d.ratings for d in chat)
    rating_total = sum((d.rating_mean or 0) * d.ratings for d in chat)
    share = figures.direct_answer_share
    return [
        ("Cuộc trò chuyện", number(sum(d.conversations for d in chat))),
        ("Câu hỏi", number(sum(d.questions for d in chat))),
        ("Thích", number(sum(d.thumbs_up for d in chat))),
        ("Không thích", number(sum(d.thumbs_down for d in chat))),
        ("Điểm trung bình (1–5)", number(rating_total / ratings, 1) if ratings else "—"),
        ("Chuyển cán bộ", number(sum(d.handoffs for d in chat))),
        ("Hẹn gọi lại", number(sum(d.callbacks for d in chat))),
        ("Chờ trung bình (giây)", number(figures.handoff_wait_seconds_mean, 1)),
        ("Trả lời trực tiếp", f"{number(100 * share, 1)}%" if share is not None else "—"),
        ("Chưa trả lời được", number(figures.unanswered_questions)),
    ]
