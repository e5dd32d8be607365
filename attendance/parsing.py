"""Forgiving parsing of chat commands: full-width forms, 「」 quotes, times and durations in Chinese."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

_QUOTES = re.compile(r"[「」『』“”\"'‘’【】《》〈〉〔〕\[\]]")
_MENTION = re.compile(r"@\S{1,24}?(?:\s|$)")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[。.!！~～]+$")


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """NFKC (full-width → half-width, U+3000 → space), quotes and @mentions removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    # Invisible format characters (zero-width space, BOM) vanish; control characters split words.
    text = "".join("" if unicodedata.category(c) == "Cf" else " " if unicodedata.category(c) == "Cc" else c
                   for c in text)
    text = _QUOTES.sub(" ", text)
    text = _MENTION.sub(" ", text + " ")
    text = _SPACES.sub(" ", text).strip()
    return _TRAILING.sub("", text).strip()


_QUESTION = re.compile(r"[?？]|怎么|怎样|如何|什么|啥|哪|谁|吗|么$|呢$|能不能|可不可以|是否|要不要|需不需要|多少")


def looks_like_question(text: str) -> bool:
    """「签到怎么弄」「请假找谁批」: a question about the command, for the FAQ rather than the command."""
    return bool(_QUESTION.search(text))


@dataclass(frozen=True)
class When:
    start: datetime | None
    end: datetime | None
    minutes: int | None
    rest: str  # what is left once times and durations are taken out (the meeting's name)


class WhenError(ValueError):
    pass


_CN_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}
_NUM = r"(?:\d{1,2}|十[一二]?|[一二两三四五六七八九])"
_PERIOD = r"(?:上午|早上|早晨|中午|下午|晚上|傍晚)"
_DATE = re.compile(
    r"(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?|(?P<rel>今天|今日|明天|明日|后天)"
)
_CLOCK = re.compile(
    rf"(?P<p>{_PERIOD})?\s*(?:(?P<h1>\d{{1,2}})[:：](?P<m1>\d{{2}})|(?P<h2>{_NUM})\s*[点时](?:\s*(?P<half>半)(?!\s*个?\s*(?:小时|钟头))|(?P<m2>\d{{1,2}})(?!\d|\s*(?:分钟|min|个?小时|钟头|h\b))\s*分?)?)"
)
_RANGE_SEP = re.compile(r"^\s*(?:-|~|～|—|至|到)\s*")
_DURATION = re.compile(
    r"(?P<hm>(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]|半)\s*(?:个)?\s*半?\s*(?:小时|钟头|h\b|hr\b|hrs\b))"
    r"|(?P<mins>\d+\s*(?:分钟|分|min\b|mins\b|m\b))",
    re.IGNORECASE,
)


def _num(text: str) -> int:
    return int(text) if text.isdigit() else _CN_NUM[text]


def _hour(period: str | None, hour: int) -> int:
    if period in ("下午", "晚上", "傍晚") and hour < 12:
        return hour + 12
    if period == "中午" and hour < 11:
        return hour + 12
    if period is None and 1 <= hour <= 6:
        return hour + 12  # 「2点开会」 in an office means the afternoon
    return hour


def _clock(match: re.Match[str]) -> time:
    period = match.group("p")
    if match.group("h1") is not None:
        hour, minute = int(match.group("h1")), int(match.group("m1"))
    else:
        hour = _num(match.group("h2"))
        minute = 30 if match.group("half") else int(match.group("m2") or 0)
    hour = _hour(period, hour)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"时间「{match.group(0).strip()}」不对，请写成 14:30 或 下午2点半 这样")
    return time(hour, minute)


def _duration_minutes(match: re.Match[str]) -> int:
    if match.group("mins"):
        return int(re.match(r"\d+", match.group("mins")).group(0))  # type: ignore[union-attr]
    text = match.group("hm")
    number = re.match(r"\d+(?:\.\d+)?|[一二两三四五六七八九十]|半", text).group(0)  # type: ignore[union-attr]
    hours = 0.5 if number == "半" else (float(number) if number[0].isdigit() else _CN_NUM[number])
    if number != "半" and "半" in text[len(number):]:
        hours += 0.5
    return round(hours * 60)


def parse_when(text: str, now: datetime, tz: tzinfo) -> When:
    """Take a date, a start time (or a range 14:30-16:30) and a duration out of ``text``."""
    local_now = now.astimezone(tz)
    rest = text
    day: date | None = None
    dm = _DATE.search(rest)
    if dm:
        if dm.group("rel"):
            offset = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}[dm.group("rel")]
            day = local_now.date() + timedelta(days=offset)
        else:
            try:
                day = date(int(dm.group("y") or local_now.year), int(dm.group("m")), int(dm.group("d")))
            except ValueError as exc:
                raise WhenError(f"日期「{dm.group(0)}」不对，请写成 4月20日 或 2009-04-20 这样") from exc
        rest = rest[: dm.start()] + " " + rest[dm.end():]

    start = end = None
    cm = _CLOCK.search(rest)
    if cm:
        start_time = _clock(cm)
        after = rest[cm.end():]
        end_time = None
        sep = _RANGE_SEP.match(after)
        if sep:
            em = _CLOCK.match(after[sep.end():].lstrip())
            if em:
                end_time = _clock(em)
                consumed = sep.end() + (len(after[sep.end():]) - len(after[sep.end():].lstrip())) + em.end()
                after = after[consumed:]
        rest = rest[: cm.start()] + " " + after
        base_day = day or local_now.date()
        start = datetime.combine(base_day, start_time, tzinfo=tz)
        if end_time is not None:
            end = datetime.combine(base_day, end_time, tzinfo=tz)
            if end <= start:
                raise WhenError("结束时间要晚于开始时间")
    elif day is not None:
        raise WhenError("写了日期，还请写上开始时间，例如「4月20日 14:30」")

    minutes = None
    du = _DURATION.search(rest)
    if du:
        minutes = _duration_minutes(du)
        if minutes <= 0 or minutes > 24 * 60:
            raise WhenError("时长要在 1 分钟到 24 小时之间，例如「2小时」或「90分钟」")
        rest = rest[: du.start()] + " " + rest[du.end():]
    if end is not None and minutes is not None:
        raise WhenError("写了结束时间就不用再写时长了")
    return When(start=start, end=end, minutes=minutes, rest=_SPACES.sub(" ", rest).strip())
