"""Parse a training outline written as numbered questions with answers.

Layout rules (as in ``outline-2009.txt``):

* ``一、…`` starts a part; ``（二）、…`` a sub-section inside it; ``8、…`` a question; the lines
  after a question, up to the next question or heading, are its answer.
* Lines between a heading and its first question are the heading's introduction, not an answer.
* A sub-section label that repeats inside one part (the outline has two ``（四）``) is told apart
  by its title, so section paths stay unique: ``一、（四）其它工作说明 3``.
* A last line that names the issuing office (no punctuation, ends in 办公室/委员会/…, and does
  not start like an instruction such as 报/交/由) is the sign-off, not part of the last answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PART = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_SUBSECTION = re.compile(r"^（([一二三四五六七八九十]+)）、?(.*)$")
_QUESTION = re.compile(r"^(\d{1,3})、(.+)$")
# An organisation's name alone: no punctuation, an organisation suffix, and not an instruction
# ("报上一级党委" is the end of an answer, not a sign-off).
_SIGN_OFF = re.compile(r"^(?![报交送请由向按经到在])[^，。；：！？,.;:!?]{2,40}(办公室|委员会|领导小组|党委|办)$")

# Readable id prefixes from words in a heading; anything else gets a positional prefix.
_PREFIX_WORDS = (
    ("准备", "prep"),
    ("第一", "s1"),
    ("学习调研", "s1"),
    ("第二", "s2"),
    ("分析检查", "s2"),
    ("第三", "s3"),
    ("整改落实", "s3"),
    ("其它", "other"),
    ("其他", "other"),
    ("对象", "who"),
)


@dataclass
class OutlineItem:
    id: str
    section: str
    question: str
    answer: str


@dataclass
class Outline:
    title: str
    items: list[OutlineItem] = field(default_factory=list)


class OutlineFormatError(ValueError):
    pass


def _prefix_for(heading: str, fallback: str) -> str:
    for word, prefix in _PREFIX_WORDS:
        if word in heading:
            return prefix
    return fallback


def parse_outline(text: str) -> Outline:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _SIGN_OFF.match(lines[-1].strip()):
        lines.pop()

    title = next((line.strip() for line in lines if line.strip()), "")
    outline = Outline(title=title)
    part_label = ""
    part_index = 0
    sub_label = ""
    sub_prefix = ""
    seen_subs: set[str] = set()
    current: dict | None = None
    used_ids: set[str] = set()

    def flush() -> None:
        nonlocal current
        if current is None:
            return
        answer = "\n".join(line for line in current["lines"] if line.strip()).strip()
        if not answer:
            raise OutlineFormatError(f"question {current['section']} has no answer")
        outline.items.append(OutlineItem(current["id"], current["section"], current["question"], answer))
        current = None

    for raw in lines:
        line = raw.strip()
        if not line:
            if current is not None:
                current["lines"].append("")
            continue
        if match := _PART.match(line):
            flush()
            part_index += 1
            part_label = match.group(1)
            sub_label, seen_subs = "", set()
            sub_prefix = _prefix_for(match.group(2), f"p{part_index}")
            continue
        if part_label and (match := _SUBSECTION.match(line)):
            flush()
            label = f"（{match.group(1)}）"
            heading = match.group(2).strip("、 ")
            sub_label = label if label not in seen_subs else f"{label}{heading}"
            seen_subs.add(label)
            sub_prefix = _prefix_for(heading, f"p{part_index}-{len(seen_subs)}")
            continue
        if part_label and (match := _QUESTION.match(line)):
            flush()
            number = int(match.group(1))
            sep = " " if sub_label and not sub_label.endswith("）") else ""
            section = f"{part_label}、{sub_label}{sep}{number}"
            item_id = f"{sub_prefix}-{number}"
            while item_id in used_ids:
                item_id += "b"
            used_ids.add(item_id)
            current = {"id": item_id, "section": section, "question": match.group(2).strip(), "lines": []}
            continue
        if current is not None:
            current["lines"].append(line)
        # Text outside any question (the preamble, heading introductions) is not an item.
    flush()
    if not outline.items:
        raise OutlineFormatError("no numbered questions found (expected lines like '1、…？')")
    return outline
