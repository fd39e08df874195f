"""Questions about the Center itself: address, hours, Saturday, holidays, queue numbers, parking.

The facts come from the deployment's configuration file (``data/center.yml``, or the file
``TTHC_CENTER_FILE`` names), never from the catalog; the words that tell which fact is asked
are data too (``data/dialogue/center_topics.yml``). The hotline is the ``hotline`` setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.errors import InvalidInputError
from knowledge.text import fold_accents, has_diacritics, normalize, syllables
from knowledge.text.yaml_tables import read_yaml_table

CENTER_TOPICS_FILE = PROJECT_ROOT / "data" / "dialogue" / "center_topics.yml"
TOPICS = ("queue", "saturday", "holidays", "hours", "hotline", "parking", "address")


@dataclass(frozen=True)
class CenterInfo:
    """The facts of one Center, as its deployment configures them."""

    name: str
    address: str
    map_url: str
    weekdays: str
    saturday: str
    sunday: str
    holidays: str
    queue: str
    parking: str = ""


@lru_cache(maxsize=4)
def load_center(path: Path) -> CenterInfo:
    """The Center described by the YAML file ``path``; InvalidInputError when incomplete."""
    table = read_yaml_table(path, "tệp cấu hình Trung tâm")
    hours = table.get("hours") or {}
    try:
        return CenterInfo(
            name=str(table["name"]).strip(),
            address=str(table["address"]).strip(),
            map_url=str(table.get("map_url") or "").strip(),
            weekdays=str(hours["weekdays"]).strip(),
            saturday=str(hours["saturday"]).strip(),
            sunday=str(hours.get("sunday") or "").strip(),
            holidays=" ".join(str(table["holidays"]).split()),
            queue=" ".join(str(table["queue"]).split()),
            parking=" ".join(str(table.get("parking") or "").split()),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path}: tệp cấu hình Trung tâm thiếu mục {exc}") from exc


def get_center() -> CenterInfo:
    """The Center of this deployment (the ``center_file`` setting)."""
    return load_center(Path(get_settings().center_file))


@lru_cache(maxsize=4)
def _topic_words(path: Path = CENTER_TOPICS_FILE) -> dict[str, list[tuple[str, ...]]]:
    topics = read_yaml_table(path, "bảng chủ đề về Trung tâm").get("topics") or {}
    return {
        topic: [tuple(normalize(str(p)).split()) for p in phrases]
        for topic, phrases in topics.items()
    }


def center_topics(text: str) -> list[str]:
    """The facts ``text`` asks about, in ``TOPICS`` order.

    Example:
        >>> center_topics("trung tâm có làm việc thứ 7 không")
        ['saturday']
        >>> center_topics("trung tam o dau")
        ['address']
    """
    matched = _matched_topics([s.text for s in syllables(normalize(text))])
    return [topic for topic in TOPICS if topic in matched]


def _matched_topics(spans: list[str]) -> dict[str, set[int]]:
    """Each topic of the topics file one of whose phrases ``spans`` say, with the positions
    of the syllables that say it."""
    matched: dict[str, set[int]] = {}
    for topic, phrases in _topic_words().items():
        for phrase in phrases:
            size = len(phrase)
            for i in range(len(spans) - size + 1):
                if all(map(_same, spans[i : i + size], phrase)):
                    matched.setdefault(topic, set()).update(range(i, i + size))
    return matched


def only_about_center(text: str) -> bool:
    """Whether ``text`` asks about the Center and names nothing else: NLU may take "thứ bảy
    có trả kết quả không" for a question about a procedure's result, but no procedure is
    named; its only words (beside aspect and filler words) are a Center topic's.

    The address does not count: "ở đâu" is asked of procedures too ("nộp ở đâu").

    Example:
        >>> only_about_center("thứ bảy có trả kết quả không")
        True
        >>> only_about_center("lay so online duoc ko")
        True
        >>> only_about_center("đăng ký khai sinh thứ bảy có làm không")
        False
        >>> only_about_center("nộp ở đâu")
        False
        >>> only_about_center("le phi bao nhieu")
        False
    """
    from knowledge.search.aspects import cue_spans
    from knowledge.search.resolve import procedure_words  # the search loads lazily

    spans = [s.text for s in syllables(normalize(text))]
    # A topic word inside a procedure aspect's cue is that aspect's: folded, "lễ" (holiday)
    # is the "le" of "le phi" (lệ phí).
    in_cues = {
        i for start, size, _ in cue_spans(normalize(text)) for i in range(start, start + size)
    }
    matched = {
        topic: covered for topic, covered in _matched_topics(spans).items() if covered - in_cues
    }
    if not set(matched) - {"address", "names"}:
        return False
    center_words = {fold_accents(spans[i]) for covered in matched.values() for i in covered}
    return all(fold_accents(word.lower()) in center_words for word in procedure_words(text))


def names_more_than_center(text: str) -> bool:
    """Whether ``text`` has procedure words besides the Center's own words: "mở trung tâm
    đào tạo lái xe" names a driving school's permit, not the Center; "trung tâm mấy giờ mở
    cửa" names nothing else.

    Example:
        >>> names_more_than_center("mở trung tâm đào tạo lái xe")
        True
        >>> names_more_than_center("trung tâm mấy giờ mở cửa")
        False
    """
    from knowledge.search.resolve import procedure_words  # the search loads lazily

    spans = [s.text for s in syllables(normalize(text))]
    center_words = {
        fold_accents(spans[i]) for covered in _matched_topics(spans).values() for i in covered
    }
    return any(fold_accents(word.lower()) not in center_words for word in procedure_words(text))


@lru_cache(maxsize=20_000)  # every turn compares each syllable with every topic word
def _same(typed: str, word: str) -> bool:
    return typed == word if has_diacritics(typed) else typed == fold_accents(word)


def answer_center_question(text: str, center: CenterInfo | None = None) -> str:
    """The answer to a question about the Center, from its configuration.

    Example:
        >>> answer_center_question("thứ 7 có làm việc không").splitlines()[1][:8]
        'Thứ Bảy:'
    """
    center = center or get_center()
    settings = get_settings()
    topics = center_topics(text) or ["address", "hours"]
    lines = [f"{center.name}:"]
    if "address" in topics:
        lines.append(f"Địa chỉ: {center.address}")
        if center.map_url:
            lines.append(f"Bản đồ: {center.map_url}")
    if "hours" in topics:
        lines += [f"Giờ làm việc: {center.weekdays}", center.saturday]
        if center.sunday:
            lines.append(center.sunday)
    if "saturday" in topics and "hours" not in topics:
        lines.append(center.saturday)
        if center.sunday:
            lines.append(center.sunday)
    if "holidays" in topics:
        lines.append(center.holidays)
    if "queue" in topics:
        lines.append(center.queue.format(portal_url=settings.public_portal_url))
    if "parking" in topics:
        lines.append(
            center.parking
            or f"Thông tin chỗ gửi xe chưa được cập nhật, bạn vui lòng gọi {settings.hotline}."
        )
    if "hotline" in topics:
        lines.append(f"Tổng đài hỗ trợ: {settings.hotline}")
    return "\n".join(lines)
