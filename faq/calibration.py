"""Choose the matcher's two score thresholds from a labelled question set.

For every (answer floor, suggest) pair on a grid we count, over the set: in-scope questions answered
with the right item, and out-of-scope questions declined — with the decision the matcher really
makes (the trained model's confidence bar, :mod:`faq.decision`, stays as it is). We pick the pair
that maximises the smaller of the two rates (both must hold), breaking ties towards higher
thresholds, since a wrong answer is worse than a suggestion or an honest "not found".
"""

from __future__ import annotations

from collections.abc import Iterable

from faq.matcher import Matcher


def calibrate(matcher: Matcher, cases: Iterable) -> list[str]:
    scored = []
    for case in cases:
        if case.kind == "stage":
            continue
        result = matcher.match_uncached(case.q)
        ranked = result.candidates
        best = ranked[0] if ranked and result.reason != "another year" else None
        second = ranked[1].score if len(ranked) > 1 else 0.0
        confident = result.confidence >= matcher.answer_confidence
        scored.append((case, best.item.id if best else None, best.score if best else 0.0, second, confident))
    in_scope = [s for s in scored if s[0].kind == "faq"]
    out_scope = [s for s in scored if s[0].kind == "fallback"]
    if not in_scope or not out_scope:
        return ["标注集里需要同时有 faq 和 fallback 两类题目。"]
    best_key, best_pair, rows = None, None, []
    grid = [x / 100 for x in range(20, 91, 2)]
    for answer_t in grid:
        for suggest_t in grid:
            right = sum(1 for c, item, s, s2, ok in in_scope if item == c.item and ok and _clear(matcher, s, s2)
                        and s >= answer_t)
            declined = sum(1 for c, item, s, s2, ok in out_scope
                           if not (ok and _clear(matcher, s, s2) and s >= answer_t)
                           and not (s >= suggest_t and not _clear(matcher, s, s2)))
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
        f"当前阈值：answer_threshold={matcher.answer_threshold:.2f} suggest_threshold={matcher.suggest_threshold:.2f}"
        f"（判断模型的把握线 answer_confidence={matcher.answer_confidence:.2f}）",
    ]


def _clear(matcher: Matcher, best: float, second: float) -> bool:
    return best - second >= matcher.answer_margin


def matcher_normalize(text: str) -> str:
    from faq.normalize import normalize

    return normalize(text)
