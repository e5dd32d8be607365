"""Match a question to the knowledge base and decide: answer, suggest, or fall back.

Scores (0..1) come from ``faq.index``; the best five are then re-ranked by how close the question
is to one of each item's own phrasings (question or 相似问法). Three outcomes:

* ``answer``   — the decision model (:mod:`faq.decision`) gives the top item a probability of being
  right ≥ ``answer_confidence``, its score is at least ``answer_threshold`` (a floor), and it is
  ahead of the runner-up by ``ANSWER_MARGIN`` (``SINGLE_WORD_MARGIN`` for a one-word question): two
  items that fit equally well are never answered by a coin toss;
* ``suggest``  — score ≥ ``suggest_threshold`` but not clearly ahead: offer the top three questions;
* ``fallback`` — otherwise: say honestly that the outline does not cover it.

The model and its bar are trained on our own labelled sets (``python -m faq.train_decision``); the
score floor and the suggestion threshold were chosen by sweeping them over the same sets. See
``docs/thresholds.md`` for the figures.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from faq import decision
from faq.answer_types import TYPE_WEIGHT, asked_types, evidenced_types, missing_detail
from faq.clauses import split_asking, told_about_us
from faq.homophones import HomophoneTable
from faq.index import Index, IndexedDoc, best_variant_dice, char_bigrams, surprisal_weight
from faq.kb import FaqItem, KnowledgeBase, load_kb
from faq.normalize import normalize
from faq.segmenter import Lexicon, Piece, Segmenter

log = logging.getLogger(__name__)

ANSWER_THRESHOLD = 0.30
SUGGEST_THRESHOLD = 0.44
ANSWER_MARGIN = 0.01
# A question with a single content word says little: it must lead by more to be answered.
SINGLE_WORD_MARGIN = 0.04
MAX_QUESTION_CHARS = 300
RERANK_POOL = 5
RERANK_SHARE = 0.4
# Phrasing alone cannot carry an item: its bonus is at most this many times the word evidence, so a
# question worded like an alias but about something else ("...几点开门") is not lifted over the bar.
DICE_CAP = 2.0
# An unknown telling word weighs like a term found in a few items (IDF ≈ 2.5 for 32 items).
UNKNOWN_WORD_WEIGHT = 2.5
SINGLE_CHAR_SHARE = 0.3
# A topic the lexicon lists as not covered by the outline ("年假", "主题党日") says the question is
# about something else: unknown to the index, it weighs more than a merely unknown word.
OTHER_TOPIC_SHARE = 2.0
DESCRIPTIVE_TAGS = frozenset("mqab")
# Words about the asker (our hospital) or the question's frame (any rules?) rather than its topic.
LIGHT_SHARE = 0.4
# A question that reaches an item through a single content word (an "anchor") but also names a
# telling noun or verb the item never mentions, in any field, asks about something else to do with
# that word: "退休 + 手续", "党校 + 报名", "问卷 + 导出数据". Its score for that item is scaled down.
FOREIGN_PENALTY = 0.85
# A supported word counts as an anchor only if it weighs this much ("学习实践活动" is in every item).
ANCHOR_MIN_WEIGHT = 1.0
# A foreign word must weigh at least this much: everyday words say too little to overrule a match.
FOREIGN_MIN_WEIGHT = 1.0
# jieba tags of nouns and verbs: what a question is about and what it wants done.
FOREIGN_TAGS = frozenset({"n", "nz", "ns", "nt", "nr", "v", "vn", "vd"})

Outcome = Literal["answer", "suggest", "fallback"]


@dataclass(frozen=True)
class Candidate:
    item: FaqItem
    score: float


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What ranking learned about a question, kept for the decision."""

    weights: dict[str, float]
    pieces: list[Piece]
    slots: tuple[list[tuple[str, ...]], list[str]]
    query_grams: frozenset[str]
    top: int


@dataclass(frozen=True)
class MatchResult:
    outcome: Outcome
    normalized: str
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""
    confidence: float = 0.0  # how likely the top item is right (faq.decision); 0 when nothing matched
    focused: bool = False  # answered from the clauses that ask, not the whole message (faq.clauses)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        segmenter: Segmenter,
        answer_threshold: float = ANSWER_THRESHOLD,
        suggest_threshold: float = SUGGEST_THRESHOLD,
        answer_margin: float = ANSWER_MARGIN,
        index: Index | None = None,
        answer_confidence: float = decision.ANSWER_CONFIDENCE,
    ) -> None:
        self.kb = kb
        self.segmenter = segmenter
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.answer_margin = answer_margin
        self.answer_confidence = answer_confidence
        for item in kb.items:
            for keyword in item.keywords:
                segmenter.add_term(keyword)
        self.index = index if index is not None else Index([self._indexed(item) for item in kb.items])
        if getattr(self.index, "homophones", None) is None:
            terms = [*segmenter.lexicon.terms, *(k for item in kb.items for k in item.keywords)]
            self.index.homophones = HomophoneTable.build(normalize(t) for t in terms)
        # The same questions come back again and again (a meeting notice makes a whole group ask the
        # same thing): a result depends only on the normalized text and this matcher's data.
        self._match_normalized = functools.lru_cache(maxsize=MATCH_CACHE_SIZE)(self._match_uncached)
        self._position = {item.id: i for i, item in enumerate(kb.items)}
        # The years the knowledge base speaks of (the outline's own): a question about another year
        # ("2010年的学习实践活动有什么安排") is about a campaign the outline does not describe.
        self.years = frozenset(y for item in kb.items for y in _YEAR.findall(
            " ".join((item.question, item.answer, *item.aliases))))

    @classmethod
    def from_files(cls, faq_path: Path, lexicon_path: Path, cache_dir: Path | None = None, **thresholds) -> Matcher:
        """Load the files; the built index is cached under ``cache_dir``, keyed by their contents."""
        segmenter = Segmenter(Lexicon.load(lexicon_path), cache_dir)
        kb = load_kb(faq_path)
        options = {k: v for k, v in thresholds.items() if v is not None}
        cache = _index_cache_path(cache_dir, faq_path, lexicon_path)
        index = _read_index(cache) if cache else None
        matcher = cls(kb, segmenter, index=index, **options)
        if cache and index is None:
            _write_index(cache, matcher.index)
        return matcher

    def _indexed(self, item: FaqItem) -> IndexedDoc:
        tok = self.segmenter.tokens
        variants = [tok(normalize(item.question))] + [tok(normalize(a)) for a in item.aliases]
        keywords = [t for k in item.keywords for t in tok(normalize(k))] + evidenced_types(item.answer)
        return IndexedDoc(variants=variants, keywords=keywords, answer=tok(normalize(item.answer)))

    def query_weights(self, normalized: str) -> tuple[dict[str, float], list[str]]:
        weights, words, _ = self._query(normalized)
        return weights, words

    def _query(self, normalized: str) -> tuple[dict[str, float], list[str], list[Piece]]:
        """Weight of each query term, and the words the character n-grams are taken from.

        A word the index knows weighs its IDF. An unknown long word is replaced by the sub-terms
        the index knows ("民主生活会" inside "专题民主生活会" on the query side is the other way
        round). A word nobody knows weighs by how telling it is: an outline term or a rare real
        word fully, an everyday word by its general-language surprisal, a single character little.
        """
        weights: dict[str, float] = {}
        words: list[str] = []
        pieces = self.segmenter.pieces(normalized)
        light_words = self.segmenter.lexicon.light_words
        # "我们是二级医院 调研往哪些方面搞": what the asker tells about their unit is context too.
        told = told_about_us(normalized)
        if told:
            light_words = light_words | {p.word for p in self.segmenter.pieces(told)}
        # "我们幼儿园也要搞吗": when nothing but the asker's own unit is named, that unit is the topic.
        if not any(p.word not in light_words and len(p.word) > 1 and p.word not in _CAMPAIGN_WORDS for p in pieces):
            light_words = frozenset()
        for piece in pieces:
            words.append(piece.word)
            context = LIGHT_SHARE if piece.word in light_words else 1.0
            if self.index.knows(piece.word):
                share = 1.0 if len(piece.word) > 1 or self.segmenter.is_term(piece.word) else SINGLE_CHAR_SHARE
                weights.setdefault(piece.word, self.index.idf(piece.word) * share * context)
                continue
            known_terms = [s for s in piece.subs if self.index.knows(s) and self.segmenter.is_term(s)]
            if piece.kind == "term" and not known_terms:
                known_terms = [s for s in piece.subs if self.index.knows(s)]
            if known_terms:
                for sub in known_terms:
                    weights.setdefault(sub, self.index.idf(sub) * context)
                # The part of the word no known term explains still counts as unknown ("党小组长"
                # is not "组长").
                covered = max(len(sub) for sub in known_terms) / len(piece.word)
                if piece.kind != "term" and covered < 1.0:
                    weights.setdefault(piece.word, UNKNOWN_WORD_WEIGHT * self._unknown_share(piece) * (1 - covered))
                continue
            weights.setdefault(piece.word, UNKNOWN_WORD_WEIGHT * self._unknown_share(piece) * context)
        if weights:
            for asked in asked_types(normalized):
                weights[asked] = TYPE_WEIGHT
        return weights, words, pieces

    def _unknown_share(self, piece: Piece) -> float:
        word = piece.word
        if word.isascii():
            return 0.3 if word.isdigit() or len(word) == 1 else 1.0
        if len(word) == 1:
            return SINGLE_CHAR_SHARE
        if piece.kind == "topic":
            return OTHER_TOPIC_SHARE
        if piece.kind in ("term", "rare"):
            return 1.0
        share = surprisal_weight(self.segmenter.surprisal(word))
        # Numbers, measure words and adjectives ("十几个", "两家", "复杂") describe the asker's case,
        # not the topic, so an unknown one counts less than an unknown noun or verb.
        if self.segmenter.tag(word)[:1] in DESCRIPTIVE_TAGS:
            share *= SINGLE_CHAR_SHARE
        return share

    def rank(self, normalized: str, limit: int = 3) -> list[Candidate]:
        return self._ranked(normalized, limit)[0]

    def _ranked(self, normalized: str, limit: int = 3) -> tuple[list[Candidate], _Evidence | None]:
        """The best ``limit`` items, and what the decision needs to know about the question."""
        weights, words, pieces = self._query(normalized)
        # Single characters and bare numbers alone say too little to pick an answer.
        if not any(len(w) > 1 and not w.isdigit() for w in words):
            return [], None
        scores = self.index.score(weights, words)
        # Re-rank the best few by how close the question is to one of their phrasings: between two
        # items sharing the same words, the one with an alias worded like the question wins.
        pool = min(RERANK_POOL, len(scores))
        top = np.argpartition(-scores, pool - 1)[:pool]
        query_grams = frozenset(char_bigrams(words))
        reranked = [
            (float((1 - RERANK_SHARE) * scores[i] + RERANK_SHARE * self._phrasing(query_grams, i, scores[i])), int(i))
            for i in top
            if scores[i] > 0
        ]
        slots = self._slots(pieces, weights)
        if slots[1]:
            reranked = [(score * self._foreign_factor(slots, i), i) for score, i in reranked]
        reranked.sort(key=lambda pair: (-pair[0], pair[1]))
        evidence = _Evidence(weights, pieces, slots, query_grams, reranked[0][1] if reranked else -1)
        return [Candidate(self.kb.items[i], score) for score, i in reranked[:limit]], evidence

    def decision_features(self, normalized: str) -> tuple[tuple[float, ...], str] | None:
        """The decision model's features for a normalized question and the top item's id (None when
        nothing matches or a rule declines it first): what ``faq.train_decision`` learns from."""
        normalized = self.corrected(normalized)
        candidates, evidence = self._ranked(normalized)
        if not candidates or evidence is None or self._declined(normalized, evidence):
            return None
        return self._features(normalized, candidates, evidence), candidates[0].item.id

    def named_things(self, normalized: str) -> list[str]:
        """The outline's own named things in ``normalized`` ("挂职", "党课教案"), campaign names aside."""
        return self._named_in(self.segmenter.pieces(self.corrected(normalized)))

    def _named_in(self, pieces: list[Piece]) -> list[str]:
        named = self.segmenter.lexicon.named_things
        return [p.word for p in pieces if p.word in named and p.word not in _CAMPAIGN_WORDS]

    def corrected(self, normalized: str) -> str:
        """``normalized`` with pinyin-input slips in the outline's terms undone (``faq.homophones``)."""
        index, segmenter = self.index, self.segmenter
        topics = segmenter.lexicon.other_topics
        return index.homophones.correct(segmenter.words(normalized),
                                        lambda word: index.knows(word) or segmenter.is_common(word) or word in topics,
                                        segmenter.frequency)

    def _features(self, normalized: str, candidates: list[Candidate], evidence: _Evidence) -> tuple[float, ...]:
        """See :data:`faq.decision.FEATURES` (same order)."""
        weights, index, top = evidence.weights, self.index, evidence.top
        total = sum(weights.values()) or 1.0
        anchors, telling = evidence.slots
        best = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        return (
            best,
            runner_up,
            best - runner_up,
            sum(v for t, v in weights.items() if index.knows(t) and index.supports(t, top)) / total,
            sum(v for t, v in weights.items() if not index.knows(t) and not t.startswith("⟨")) / total,
            float(sum(1 for t in telling if not index.supports(t, top))),
            float(sum(1 for terms in anchors if any(index.supports(t, top) for t in terms))),
            float(any(p.kind == "topic" for p in evidence.pieces)),
            best_variant_dice(evidence.query_grams, index.variant_grams[top]),
            float(len(anchors)),
            min(len(normalized), 40) / 40,
            float(sum(1 for t in weights if t.startswith("⟨") and not index.supports(t, top))),
            float(bool(_ASKS_MEANING.search(normalized))),
        )

    def _declined(self, normalized: str, evidence: _Evidence) -> str | None:
        """Why the outline cannot answer this question whatever item ranks first, or None.

        Each rule is a question the outline's text never answers, even though its words are there:
        another year's or batch's campaign; what a slogan the outline only quotes means; how units are
        sorted into categories; a precise detail the top item does not give ("检查组哪天来").
        """
        # "我去年就借调到区里了 这次跟哪边搞": a year in a statement dates the asker's story, not the campaign.
        split = split_asking(normalized)
        asked = split[0] if split else normalized
        if _OTHER_YEAR.search(asked) or any(year not in self.years for year in _YEAR.findall(asked)):
            return "another year"
        unexplained = self.segmenter.lexicon.unexplained
        if unexplained and _ASKS_CONTENT.search(normalized):
            text = _CAMPAIGN_NAME.sub(" ", normalized)
            if any(slogan in text for slogan in unexplained):
                return "unexplained slogan"
        if _LATER_BATCH.search(normalized) or (_FIRST_BATCH.search(normalized) and not _THIS_BATCH.search(normalized)):
            return "another batch"
        if _ASKS_CATEGORY.search(normalized):
            return "category not defined"
        top = self.kb.items[evidence.top]
        # "下午要把纸质版送过去 学实办在哪个房间": the story around the question asks no detail.
        return missing_detail(normalized, top.answer, top.question, self._named_in(evidence.pieces),
                              telling=split[1] if split else "")

    def _slots(self, pieces: list[Piece], weights: dict[str, float]) -> tuple[list[tuple[str, ...]], list[str]]:
        """The question's possible anchors (each a word with its known sub-terms) and its telling
        nouns and verbs (the words that could be foreign to an item)."""
        light = self.segmenter.lexicon.light_words
        anchors: list[tuple[str, ...]] = []
        telling: list[str] = []
        for piece in pieces:
            if piece.word in light:
                continue
            terms = tuple(t for t in (piece.word, *piece.subs) if weights.get(t, 0.0) >= ANCHOR_MIN_WEIGHT)
            if terms:
                anchors.append(terms)
            if (
                piece.kind in ("word", "topic")
                and len(piece.word) > 1
                and weights.get(piece.word, 0.0) >= FOREIGN_MIN_WEIGHT
                and (piece.kind == "topic" or self.segmenter.tag(piece.word) in FOREIGN_TAGS)
            ):
                telling.append(piece.word)
        return anchors, telling

    def _foreign_factor(self, slots: tuple[list[tuple[str, ...]], list[str]], item: int) -> float:
        anchors, telling = slots
        supports = self.index.supports
        if not any(not supports(word, item) for word in telling):
            return 1.0
        held = sum(1 for terms in anchors if any(supports(t, item) for t in terms))
        return FOREIGN_PENALTY if held <= 1 else 1.0

    def _phrasing(self, query_grams: frozenset[str], item: int, evidence: float) -> float:
        return min(best_variant_dice(query_grams, self.index.variant_grams[item]), DICE_CAP * float(evidence))

    def unknown_words(self, text: str) -> list[str]:
        """The question's telling nouns and verbs that no item mentions in any field ("消防" in
        "消防检查整改期限是多久"): signs that it is about something the outline does not cover."""
        normalized = normalize(text)[:MAX_QUESTION_CHARS]
        weights, _ = self.query_weights(normalized)
        _, telling = self._slots(self.segmenter.pieces(normalized), weights)
        return [word for word in telling if not self.index.knows(word)]

    def off_outline_topic(self, text: str) -> str | None:
        """A topic the outline does not cover (党费, 年假, 第三批 …, listed in the lexicon) named in the
        question, or None. Other handlers use it to leave such questions to the matcher's decline."""
        for piece in self.segmenter.pieces(normalize(text)[:MAX_QUESTION_CHARS]):
            if piece.kind == "topic":
                return piece.word
        return None

    def match(self, text: str) -> MatchResult:
        return self._match_normalized(normalize(text)[:MAX_QUESTION_CHARS])

    def match_uncached(self, text: str) -> MatchResult:
        """:meth:`match` past both caches (normalisation and results): what a new question costs."""
        return self._match_uncached(normalize.__wrapped__(text)[:MAX_QUESTION_CHARS])

    def _match_uncached(self, normalized: str) -> MatchResult:
        result = self._match_whole(normalized)
        if result.outcome == "answer" or result.reason not in _UNSURE:
            return result
        # "刚入党的小白 每个人都要交心得吗": the statement around a question can drown it. Only an
        # unsure result is retried: a rule's decline stands, whatever the question clause says.
        split = split_asking(normalized)
        if split is None:
            return result
        asking, telling = split
        # "我们支部今年要换届 啥时候选": the statement names another topic and the asking clause
        # names nothing of the outline, so the question is about that topic.
        named = self.segmenter.lexicon.named_things
        told_pieces = self.segmenter.pieces(self.corrected(telling))
        if any(p.kind == "topic" for p in told_pieces) and \
                not any(p.word in named for p in self.segmenter.pieces(asking)):
            return result
        focused = self._match_whole(asking)
        if focused.outcome != "answer":
            return result
        # "我在外头挂职一年 单位学实还得回来吗": an outline thing the statement names is still what the
        # question is about, so an item that never speaks of it does not answer.
        top = self._position[focused.best.item.id]
        told = self._named_in(told_pieces)
        if told and not any(self.index.supports(term, top) for term in told):
            return result
        return replace(focused, normalized=normalized, focused=True)

    def _match_whole(self, normalized: str) -> MatchResult:
        # The result keeps the question as asked; matching reads it with typing slips undone.
        text = self.corrected(normalized)
        candidates, evidence = self._ranked(text)
        if not candidates or evidence is None:
            return MatchResult("fallback", normalized, [], "no content words")
        declined = self._declined(text, evidence)
        if declined:
            return MatchResult("fallback", normalized, candidates, declined)
        best = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        # Count whole words: the sub-terms of one compound ("社区卫生服务中心") are still one word.
        margin = self.answer_margin if len({p.word for p in evidence.pieces}) > 1 else SINGLE_WORD_MARGIN
        confidence = decision.confidence(self._features(text, candidates, evidence))
        clear = best - runner_up >= margin
        if best >= self.answer_threshold and clear and confidence >= self.answer_confidence:
            return MatchResult("answer", normalized, candidates, confidence=confidence)
        if best >= self.suggest_threshold and not clear:
            return MatchResult("suggest", normalized, candidates, "ambiguous", confidence)
        return MatchResult("fallback", normalized, candidates,
                           "below threshold" if best < self.suggest_threshold else "not confident", confidence)


# Outcomes that only say the scores were not convincing, as opposed to a rule's reasoned decline.
_UNSURE = frozenset({"below threshold", "not confident", "ambiguous", "no content words"})
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# "What does X mean / which ones are they": the outline quotes slogans it never explains.
_ASKS_MEANING = re.compile(r"什么意思|啥意思|指什么|指啥|是指|具体指|含义|内涵|哪[两三四五几]个")
# Asking what something is or consists of: with an unexplained slogan, a question the outline cannot answer.
_ASKS_CONTENT = re.compile(r"意思|指什么|指啥|是指|指的|含义|内涵|哪[一二两三四五六七八九十几\d]|哪些|清单|是什么|是啥|包括|包含|"
                           r"内容|有哪些|理解|谁提|提出|核心|要义|到底|解释|讲讲|说说|啥$|什么$")
# The campaign's own name contains 科学发展观; only the theory named on its own is a slogan question.
_CAMPAIGN_NAME = re.compile(r"(?:深入)?(?:学习实践|贯彻落实|践行|落实)科学发展观")
# The outline is the second batch's: what the first batch did is not in it, unless the question is
# how the first batch's units take part this time ("第一批搞过的这回还要吗").
_FIRST_BATCH = re.compile(r"第[一1]批|头一批|上一批")
_LATER_BATCH = re.compile(r"第[三四五六七八九十3-9]批|下一批")
_THIS_BATCH = re.compile(r"这回|这次|这批|这一批|第二批|本次|还要|再|也要|轮上|没轮|参加过|搞过|弄过|做过")
# The outline uses the two unit categories but never says how a unit is put in one.
_ASKS_CATEGORY = re.compile(r"[一二]类.{0,12}(?:划分|怎么分|区分|按什么|按啥|依据|根据什么)|算(?:第?[一二]类)(?:单位)?还是|"
                            r"算哪一?类|属于哪一?类|怎么知道.{0,6}[哪几一二]类")
# The campaign's name says nothing about which item a question is on: every item is about it.
_CAMPAIGN_WORDS = frozenset({"学习实践活动", "活动", "科学发展观"})
# A year named relative to now: the outline describes this year's campaign only, never another's.
_OTHER_YEAR = re.compile(r"明年|后年|去年|前年|来年|下一年|上一年|下年度|上年度")

#: Distinct normalized questions whose match results are kept per matcher.
MATCH_CACHE_SIZE = 4096

# Bump when tokenisation or scoring changes, so cached indexes built by older code are not used.
INDEX_FORMAT = 10


# The code that shapes the index: a change to any of it must not reuse an index built by the old code.
_INDEX_CODE = ("index.py", "segmenter.py", "matcher.py", "normalize.py", "answer_types.py", "homophones.py")


def _index_cache_path(cache_dir: Path | None, *sources: Path) -> Path | None:
    if cache_dir is None:
        return None
    digest = hashlib.sha1(f"{INDEX_FORMAT}".encode())
    here = Path(__file__).resolve().parent
    for source in (*sources, *(here / name for name in _INDEX_CODE)):
        digest.update(source.read_bytes())
    return cache_dir / f"faq-index-{digest.hexdigest()[:16]}.pickle"


def _read_index(path: Path) -> Index | None:
    try:
        with open(path, "rb") as fh:
            index = pickle.load(fh)
        return index if isinstance(index, Index) else None
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
        log.warning("index cache %s unreadable (%s); rebuilding", path, exc)
        return None


def _write_index(path: Path, index: Index) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot write index cache %s: %s", path, exc)
