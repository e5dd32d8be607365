"""Score the whole bot on a labelled question set (the ``dev.jsonl`` form).

A line is ``{"q", "kind": faq|stage|fallback, "item"?, "expect_any": [...], "now"?, "need_intent"?}``.
Pass rules match the planners' checker: faq/stage pass when the bot did not fall back (and gave
``need_intent`` where asked) and the answer contains one ``expect_any`` phrase; fallback passes on
``fallback`` or ``help``. We also report whether the item id was right.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.service import ONE_SHOT_PLATFORM

KINDS = ("faq", "stage", "fallback")


class EvalError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    q: str
    kind: str
    item: str | None
    expect_any: tuple[str, ...]
    now: str | None
    need_intent: str | None
    case_id: str


def load_cases(path: Path) -> list[Case]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"读不了评测集 {path}：{exc}") from exc
    cases = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            kind = raw["kind"]
            if kind not in KINDS or not isinstance(raw["q"], str):
                raise ValueError(f"kind 应为 {'/'.join(KINDS)}")
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalError(f"{path} 第 {n} 行格式不对：{exc}") from exc
        cases.append(Case(raw["q"], kind, raw.get("item"), tuple(raw.get("expect_any") or ()),
                          raw.get("now"), raw.get("need_intent"), str(raw.get("id", n))))
    if not cases:
        raise EvalError(f"{path} 里没有题目")
    return cases


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def passes(case: Case, intent: str, answer: str) -> bool:
    if case.kind == "fallback":
        return intent in ("fallback", "help")
    if intent == "fallback" or (case.need_intent and intent != case.need_intent):
        return False
    text = _squash(answer)
    return any(_squash(p) and _squash(p) in text for p in case.expect_any)


@dataclass
class EvalOutcome:
    rows: list[tuple[Case, str, str, str | None, bool]] = field(default_factory=list)

    def accuracy(self, kind: str) -> tuple[int, int]:
        rows = [r for r in self.rows if r[0].kind == kind]
        return sum(1 for r in rows if r[4]), len(rows)

    def report(self, show_all: bool = False) -> list[str]:
        lines = []
        for kind in KINDS:
            ok, n = self.accuracy(kind)
            if n:
                lines.append(f"{kind:8s} {ok:3d}/{n:<3d} {ok / n:.3f}")
        item_rows = [r for r in self.rows if r[0].kind == "faq" and r[0].item]
        if item_rows:
            right = sum(1 for r in item_rows if r[3] == r[0].item)
            lines.append(f"faq 条目命中 {right}/{len(item_rows)}")
        shown = self.rows if show_all else [r for r in self.rows if not r[4]]
        if shown:
            lines.append("== 未通过" if not show_all else "== 全部")
        for case, intent, answer, faq_id, ok in shown:
            mark = "✓" if ok else "✗"
            lines.append(f"{mark} {case.case_id}\t[{case.kind}]\t{case.q}\t期望={case.item}\t"
                         f"intent={intent}\tfaq_id={faq_id}\t{_squash(answer)[:40]}")
        total = len(self.rows)
        good = sum(1 for r in self.rows if r[4])
        lines.append(f"overall {good}/{total} {good / total:.3f}")
        return lines


def evaluate(cases: list[Case], service_for: Callable[[str | None], object]) -> EvalOutcome:
    """``service_for(now)`` returns something with ``ask(text) -> Reply`` and ``close()``."""
    outcome = EvalOutcome()
    by_now: dict[str | None, list[Case]] = {}
    for case in cases:
        by_now.setdefault(case.now, []).append(case)
    results: dict[int, tuple] = {}
    for now, group in by_now.items():
        service = service_for(now)
        try:
            for case in group:
                reply = service.ask(case.q, platform=ONE_SHOT_PLATFORM)
                results[id(case)] = (reply.intent, reply.text, reply.meta.get("faq_id"))
        finally:
            service.close()
    for case in cases:
        intent, answer, faq_id = results[id(case)]
        outcome.rows.append((case, intent, answer, faq_id, passes(case, intent, answer)))
    return outcome
