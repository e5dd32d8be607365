"""Choose the matcher's two thresholds from a labelled question set.

For every (answer, suggest) pair on a grid we count, over the set: in-scope questions answered
with the right item, and out-of-scope questions declined. We pick the pair that maximises the
smaller of the two rates (both must hold), breaking ties towards higher thresholds, since a wrong
answer is worse than a suggestion or an honest "not found".
"""

from __future__ import annotations

from collections.abc import Iterable

from faq.matcher import Matcher


def calibrate(matcher: Matcher, cases: Iterable) -> list[str]:
    scored = []
    for case in cases:
        if case.kind == "stage":
            continue
        normalized_candidates = matcher.rank(matcher_normalize(case.q))
        best = normalized_candidates[0] if normalized_candidates else None
        second = normalized_candidates[1].score if len(normalized_candidates) > 1 else 0.0
        scored.append((case, best.item.id if best else None, best.score if best else 0.0, second))
    in_scope = [s for s in scored if s[0].kind == "faq"]
    out_scope = [s for s in scored if s[0].kind == "fallback"]
    if not in_scope or not out_scope:
        return ["标注集里需要同时有 faq 和 fallback 两类题目。"]
    best_key, best_pair, rows = None, None, []
    grid = [x / 100 for x in range(20, 91, 2)]
    for answer_t in grid:
        for suggest_t in [t for t in grid if t <= answer_t]:
            right = sum(1 for c, item, s, s2 in in_scope if item == c.item and _answers(matcher, s, s2, answer_t))
            declined = sum(1 for c, item, s, s2 in out_scope if s < suggest_t)
            rate_in, rate_out = right / len(in_scope), declined / len(out_scope)
            key = (min(rate_in, rate_out), rate_in + rate_out, answer_t, suggest_t)
            rows.append((answer_t, suggest_t, rate_in, rate_out))
            if best_key is None or key > best_key:
                best_key, best_pair = key, (answer_t, suggest_t, rate_in, rate_out)
    answer_t, suggest_t, rate_in, rate_out = best_pair
    ceiling = sum(1 for c, item, *_ in in_scope if item == c.item) / len(in_scope)
    return [
        f"标注集：范围内 {len(in_scope)} 题，范围外 {len(out_scope)} 题；排第一的条目正确率上限 {ceiling:.3f}",
        f"建议阈值：answer_threshold={answer_t:.2f} suggest_threshold={suggest_t:.2f}",
        f"  范围内答对 {rate_in:.3f}，范围外拒答 {rate_out:.3f}",
        f"当前阈值：answer_threshold={matcher.answer_threshold:.2f} suggest_threshold={matcher.suggest_threshold:.2f}",
    ]


def _answers(matcher: Matcher, best: float, second: float, answer_t: float) -> bool:
    return best >= answer_t and best - second >= matcher.answer_margin


def matcher_normalize(text: str) -> str:
    from faq.normalize import normalize

    return normalize(text)
