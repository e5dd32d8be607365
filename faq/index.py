"""Inverted index with normalised BM25F scoring and character-bigram overlap.

Scoring, per item ``d`` and query ``q`` (content tokens after normalisation and synonyms):

* Each query term ``t`` weighs ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))`` — BM25's IDF
  smoothed so it never reaches zero or goes negative, even for a term in every item of a small
  knowledge base (rank_bm25's Okapi variant does both). A term the index has never seen weighs
  like the rarest term, scaled by how unusual it is in general Chinese, so an unknown but telling
  word ("停车位") pulls the score down while an unknown everyday word barely matters.
* Each term's match in ``d`` is BM25's saturated term frequency with length normalisation,
  ``tf·(k1+1) / (tf + k1·(1-b+b·len/avglen))``, capped at 1, taken per field and weighted by the
  field: question and each 相似问法 (variants; the best variant counts) 1.0, keywords 0.9,
  answer 0.55.
* ``word`` = weighted share of the query's terms that ``d`` matches (0..1), i.e. BM25F divided by
  the best score any item could get for this query, which makes scores comparable across queries
  and lets fixed thresholds work.
* ``gram`` = the same over character bigrams of the query's content words (typos, unknown words).
* ``score = 0.7·word + 0.3·gram``.

Accumulation is vectorised with numpy: each feature keeps (item ids, match strengths) arrays, so a
query costs one fused add per feature whatever the knowledge base size.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.2
FIELD_B = {"variant": 0.5, "keyword": 0.0, "answer": 0.75}
FIELD_WEIGHT = {"variant": 1.0, "keyword": 0.9, "answer": 0.55}
WORD_SHARE = 0.7
# An unknown word counts fully once it is this unusual in general Chinese (ln 1/p) ...
SURPRISAL_FULL = 12.0
# ... and not at all when it is as common as this.
SURPRISAL_NONE = 7.5


@dataclass(frozen=True)
class IndexedDoc:
    """What the index needs of one item: its variants (question + aliases), keywords and answer."""

    variants: Sequence[Sequence[str]]
    keywords: Sequence[str]
    answer: Sequence[str]


def char_bigrams(tokens: Sequence[str]) -> list[str]:
    text = "".join(t for t in tokens if not t.isascii())
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _saturate(tf: float, length: float, avg: float, b: float) -> float:
    norm = 1.0 - b + b * (length / avg if avg else 1.0)
    return min(1.0, tf * (K1 + 1.0) / (tf + K1 * norm))


# Up to this many items a dense feature × item matrix is small and a query costs two numpy calls;
# beyond it, per-feature postings keep memory linear in the index size.
DENSE_MAX_ITEMS = 512


class _FeatureTable:
    """Per-feature arrays of (item ids, match strength) plus smoothed IDF."""

    def __init__(self, per_doc: list[dict[str, float]], dense: bool | None = None) -> None:
        self.n_docs = len(per_doc)
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for doc_id, matches in enumerate(per_doc):
            for feature, strength in matches.items():
                ids, vals = postings[feature]
                ids.append(doc_id)
                vals.append(strength)
        self.ids = {f: np.asarray(ids, dtype=np.int32) for f, (ids, _) in postings.items()}
        self.vals = {f: np.asarray(vals, dtype=np.float32) for f, (_, vals) in postings.items()}
        n = self.n_docs
        self.idf = {f: math.log(1.0 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) for f, ids in self.ids.items()}
        self.max_idf = math.log(1.0 + (n + 0.5) / 0.5)
        self.rows: dict[str, int] | None = None
        if dense if dense is not None else n <= DENSE_MAX_ITEMS:
            self.rows = {f: r for r, f in enumerate(self.ids)}
            self.matrix = np.zeros((len(self.rows), n), dtype=np.float32)
            for f, r in self.rows.items():
                self.matrix[r, self.ids[f]] = self.vals[f]

    def strength(self, feature: str, doc: int) -> float:
        """How strongly ``doc`` matches ``feature`` (0 when it does not)."""
        if self.rows is not None:
            row = self.rows.get(feature)
            return 0.0 if row is None else float(self.matrix[row, doc])
        ids = self.ids.get(feature)
        if ids is None:
            return 0.0
        hit = np.flatnonzero(ids == doc)
        return float(self.vals[feature][hit[0]]) if len(hit) else 0.0

    def coverage(self, weights: dict[str, float]) -> np.ndarray:
        if self.rows is not None:
            return self._dense_coverage(weights)
        acc = np.zeros(self.n_docs, dtype=np.float32)
        total = 0.0
        for feature, weight in weights.items():
            total += weight
            ids = self.ids.get(feature)
            if ids is not None:
                acc[ids] += weight * self.vals[feature]
        if total > 0:
            acc /= total
        return acc


    def _dense_coverage(self, weights: dict[str, float]) -> np.ndarray:
        total = sum(weights.values())
        known = [(self.rows[f], w) for f, w in weights.items() if f in self.rows]
        if not known or total <= 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        rows, ws = zip(*known, strict=True)
        return (np.asarray(ws, dtype=np.float32) @ self.matrix[list(rows)]) / np.float32(total)


def _field_strengths(doc: IndexedDoc, avg: dict[str, float]) -> dict[str, float]:
    best: dict[str, float] = {}

    def offer(counts: Counter, length: int, field: str) -> None:
        for term, tf in counts.items():
            s = FIELD_WEIGHT[field] * _saturate(tf, length, avg[field], FIELD_B[field])
            if s > best.get(term, 0.0):
                best[term] = s

    for variant in doc.variants:
        offer(Counter(variant), len(variant), "variant")
    offer(Counter(doc.keywords), len(doc.keywords), "keyword")
    offer(Counter(doc.answer), len(doc.answer), "answer")
    return best


def _gram_strengths(doc: IndexedDoc) -> dict[str, float]:
    grams: dict[str, float] = {}
    for g in char_bigrams(doc.answer):
        grams[g] = FIELD_WEIGHT["answer"]
    for g in char_bigrams(doc.keywords):
        grams[g] = FIELD_WEIGHT["keyword"]
    for variant in doc.variants:
        for g in char_bigrams(variant):
            grams[g] = FIELD_WEIGHT["variant"]
    return grams


class Index:
    def __init__(self, docs: Sequence[IndexedDoc], dense: bool | None = None) -> None:
        if not docs:
            raise ValueError("cannot index an empty knowledge base")
        avg = {
            "variant": _mean(len(v) for d in docs for v in d.variants),
            "keyword": _mean(len(d.keywords) for d in docs),
            "answer": _mean(len(d.answer) for d in docs),
        }
        self.size = len(docs)
        # Per item, its phrasings' bigrams for re-ranking the top few: bigram → the variants holding it,
        # and each variant's number of distinct bigrams.
        self.variant_grams = [_VariantGrams([frozenset(char_bigrams(v)) for v in d.variants]) for d in docs]
        self.words = _FeatureTable([_field_strengths(d, avg) for d in docs], dense)
        self.grams = _FeatureTable([_gram_strengths(d) for d in docs], dense)

    def knows(self, term: str) -> bool:
        return term in self.words.idf

    def idf(self, term: str) -> float:
        return self.words.idf[term]

    def supports(self, term: str, doc: int) -> bool:
        """Whether item ``doc`` has ``term`` in any field (question, aliases, keywords, answer)."""
        return self.words.strength(term, doc) > 0.0

    @property
    def max_idf(self) -> float:
        return self.words.max_idf

    def gram_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        idf = self.grams.idf
        return {g: idf.get(g, self.grams.max_idf) for g in dict.fromkeys(char_bigrams(tokens))}

    def score(self, word_weights: dict[str, float], gram_tokens: Sequence[str]) -> np.ndarray:
        word = self.words.coverage(word_weights)
        grams = self.gram_weights(gram_tokens)
        if not grams:
            return word
        return WORD_SHARE * word + (1.0 - WORD_SHARE) * self.grams.coverage(grams)


class _VariantGrams:
    __slots__ = ("postings", "sizes")

    def __init__(self, variants: Sequence[frozenset[str]]) -> None:
        postings: dict[str, list[int]] = defaultdict(list)
        for n, grams in enumerate(variants):
            for gram in grams:
                postings[gram].append(n)
        self.postings = dict(postings)
        self.sizes = [len(grams) for grams in variants]

    def __getstate__(self):
        return self.postings, self.sizes

    def __setstate__(self, state) -> None:
        self.postings, self.sizes = state


def best_variant_dice(query_grams: frozenset[str], variants: _VariantGrams) -> float:
    """Dice overlap of the query's bigrams with the closest question/alias of an item (0..1)."""
    if not query_grams:
        return 0.0
    shared: dict[int, int] = {}
    for gram in query_grams:
        for n in variants.postings.get(gram, ()):
            shared[n] = shared.get(n, 0) + 1
    if not shared:
        return 0.0
    size = len(query_grams)
    return max(2 * count / (size + variants.sizes[n]) for n, count in shared.items())


def surprisal_weight(surprisal: float) -> float:
    """Map general-language surprisal to 0..1: common words 0, rare words 1."""
    return min(1.0, max(0.0, (surprisal - SURPRISAL_NONE) / (SURPRISAL_FULL - SURPRISAL_NONE)))


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 1.0
