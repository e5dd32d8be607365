"""Word segmentation: jieba with the outline's terms, a synonym table and stopwords.

jieba's full dictionary takes over a second to load, which would dominate every cold start. We
build a reduced lexicon once (words with a corpus frequency of at least ``MIN_WORD_FREQ``, which
covers everyday vocabulary; rarer words fall back to jieba's HMM) and cache it as a pickle keyed by
jieba's version. The general-language frequency also tells how telling an unknown word is.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
import os
import pickle
import re
import sys
import tempfile
import tomllib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MIN_WORD_FREQ = 30
# An input method offers the most frequent reading first: a word this common was meant as typed.
COMMON_WORD_FREQ = 2000
_LEXICON_VERSION = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MISSING = object()
_A_NOT_A = re.compile(r"^([\u4e00-\u9fff]{1,2})[不没]\1$")
# Relative time expressions ("下个月", "这几天", "年底") say when the asker acts, not what they ask about.
_TEMPORAL = re.compile(
    r"^(?:[上下这本今明去前后昨每]|这几|最近|过几)?(?:个|一个|两个|几个)?(?:月|周|星期|礼拜|年|天|日|季度|学期)(?:份|底|初|末|里|内)?$"
    r"|^(?:年|月)(?:底|初|末)$|^\d+(?:月|日|号|年|天)$"
    # "这阵子", "这段日子", "最近这一阵": a stretch of time around now.
    r"|^(?:这|那|前|近|最近|最近这)一?(?:阵子|阵儿|阵|段|段日子|些日子|些天)$|^(?:一阵子?|阵子|近期|日子)$"
)
# jieba part-of-speech tags of words that never decide what a question is about: adverbs,
# pronouns, prepositions, conjunctions, particles, modal particles, interjections, onomatopoeia,
# locatives and time words ("上面", "比如"… are everyday words, not topics).
# Named holidays and vacations ("端午节", "暑假", "节假日") are jieba time words too, but they name what
# the question is about (a day off), not when the asker acts: they stay content words.
_HOLIDAY = re.compile(r"[\u4e00-\u9fff](?:节|假|假期|假日|旦)$")
FUNCTION_TAGS = frozenset({"d", "r", "p", "c", "u", "y", "e", "o", "f", "t", "uj", "ul", "uz", "ud", "ug", "uv", "zg"})
# "婚假要报备吗", "休年假要报社工委吗", "想请几天年假": a kind of leave asked for is a leave request, which
# the outline rules on; how many days of it one gets ("年假几天") is personnel work, not ours.
_LEAVE_KINDS = frozenset({"年假", "年休假", "婚假", "产假", "丧假", "陪产假", "病假", "事假", "探亲假", "调休"})
_ASKS_PERMISSION = re.compile(r"报备|报批|审批|批准|请示|要报|需要报|得报|找谁批|谁批|跟谁说|同意|要批|"
                              r"(?:ok|行|可以|能|中)(?:吗|不|么)$|行不行|可不可以|能不能[休请]|请[^，。]{0,3}(?:"
                              + "|".join(sorted(_LEAVE_KINDS, key=len, reverse=True)) + ")")

# Everyday words a term would otherwise swallow half of: "另外出个题" is 另外 + 出, not 另 + 外出 (leave).
_GLUED_AROUND_TERMS = ("另外出", "额外出", "意外出")

STOPWORDS = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 哦 嘛 么 哈 呗 啦 喔 嗯 噢 是 在 有 和 与 及 或 也 都 就 还 又 才 再 很 太 挺 更 最
    会 能 可 可以 可不可以 能不能 能否 能用 可用 是否 是不是 要不要 用不用 需不需要 有没有 会不会 行不行 好不好
    怎么 怎么样 怎样 如何 什么 啥 咋 咋样 咋办 怎么办 干啥 干什么 哪 哪些 哪个 哪种 哪类 哪样 哪一种 哪几种 哪一类 什么样 啥样 多少 几 几个 几块 么样 为什么 为啥
    请 请问 问 问下 问一下 一下 下 想 想问 知道 告诉 麻烦 谢谢 您 你 你们 我 我们 咱 咱们 他 她 他们 她们 它
    这 那 这个 那个 这些 那些 这样 那样 这种 那种 此 其 该 个 些 点 一点 一些 着 过 被 把 给 对 从 向 让 等 之 这回 这一回 这一次 这趟 这轮 这一轮
    得 地 嘛 吧 而 但 但是 并 并且 如果 那么 所以 因为 然后 现在 一直 已经 到底 究竟 一般 一定 应该 需要 要 不 没
    还是 或者 以及 没有 还有 不要 不用 要么 时候 哪天 几号 几月 几点 地方 哪儿 里 中 上 下 内 啊 呀 好 一 二 两 儿 弄 搞 做 办 整 有关 关于 对于 方面 情况 问题
    """.split()
) | frozenset(_GLUED_AROUND_TERMS)


@dataclass(frozen=True)
class Lexicon:
    """Domain terms plus a synonym table (variant → the outline's own term)."""

    terms: tuple[str, ...]
    canonical: dict[str, str]
    # Words that describe the asker ("我们医院") or frame the question ("有规定吗") rather than its topic.
    light_words: frozenset[str] = frozenset()
    # Everyday topics the outline does not cover ("党费", "年假", "主题党日"): kept whole, so a question
    # about them is not mistaken for one about the outline word hidden inside ("主题", "假").
    other_topics: frozenset[str] = frozenset()
    # Slogans the outline quotes but never spells out ("四个率先"): what they mean is not in it.
    unexplained: frozenset[str] = frozenset()
    # The outline's own named things ("指导检查组", "党课教案"), without the synonym groups' everyday
    # words ("结束", "请假"): what a question about a date or a detail is about.
    named_things: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        light = [*data.get("context_words", []), *data.get("frame_words", [])]
        return cls.build(data.get("terms", []), data.get("groups", []), light, data.get("other_topics", []),
                         data.get("unexplained", []))

    @classmethod
    def build(
        cls,
        terms: Iterable[str],
        groups: Iterable[Iterable[str]],
        light_words: Iterable[str] = (),
        other_topics: Iterable[str] = (),
        unexplained: Iterable[str] = (),
    ) -> Lexicon:
        canonical: dict[str, str] = {}
        all_terms = [t.strip() for t in terms if t.strip()]
        named = frozenset(t.lower() for t in all_terms)
        for group in groups:
            words = [w.strip().lower() for w in group if w.strip()]
            if not words:
                continue
            for variant in words[1:]:
                canonical.setdefault(variant, words[0])
            all_terms.extend(words)
        light = frozenset(canonical.get(w.strip().lower(), w.strip().lower()) for w in light_words if w.strip())
        topics = frozenset(t.strip().lower() for t in other_topics if t.strip()) - set(all_terms) - set(canonical)
        slogans = frozenset(t.strip().lower() for t in unexplained if t.strip())
        return cls(tuple(dict.fromkeys(all_terms)), canonical, light, topics, slogans, named)

    def fingerprint(self) -> str:
        h = hashlib.sha1()
        for t in self.terms:
            h.update(t.encode())
        for k in sorted(self.canonical):
            h.update(f"{k}={self.canonical[k]}".encode())
        for t in sorted(self.other_topics):
            h.update(f"~{t}".encode())
        return h.hexdigest()[:12]


def _import_jieba():
    # jieba imports pkg_resources only to locate its files; that import alone costs ~0.2 s and
    # jieba falls back to plain paths without it.
    saved = sys.modules.get("pkg_resources", _MISSING)
    if saved is _MISSING:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if saved is _MISSING:
            sys.modules.pop("pkg_resources", None)
    jieba.setLogLevel(logging.WARNING)
    return jieba


@dataclass
class _LexiconCache:
    freq: dict[str, int]  # jieba prefix dictionary of the kept words
    total: int  # the full dictionary's total frequency, so probabilities stay as jieba's
    tags: dict[str, str]  # part of speech of kept words
    rare_crc: np.ndarray  # sorted CRC32 of the words below MIN_WORD_FREQ ...
    rare_freq: np.ndarray  # ... and their frequencies: real but rare words, mostly nouns


def _build_lexicon_cache(jieba) -> _LexiconCache:
    full_total = 0
    kept = io.BytesIO()
    tags: dict[str, str] = {}
    rare: dict[int, int] = {}
    with open(jieba.get_dict_file().name, "rb") as fh:
        for raw in fh:
            parts = raw.split()
            if len(parts) < 2:
                continue
            freq = int(parts[1])
            full_total += freq
            if freq >= MIN_WORD_FREQ:
                kept.write(parts[0] + b" " + parts[1] + b"\n")
                tags[parts[0].decode("utf-8")] = parts[2].decode() if len(parts) > 2 else ""
            else:
                rare[zlib.crc32(parts[0])] = max(freq, 1)
    kept.seek(0)
    freq_table, _ = jieba.Tokenizer.gen_pfdict(kept)
    crcs = np.fromiter(sorted(rare), dtype=np.uint32, count=len(rare))
    freqs = np.asarray([rare[c] for c in crcs.tolist()], dtype=np.uint16)
    return _LexiconCache(freq_table, full_total, tags, crcs, freqs)


def _load_lexicon_cache(jieba, cache_dir: Path | None) -> _LexiconCache:
    name = f"jieba-lexicon-v{_LEXICON_VERSION}-{jieba.__version__}-{MIN_WORD_FREQ}.pickle"
    path = cache_dir / name if cache_dir else None
    if path is not None and path.is_file():
        try:
            with open(path, "rb") as fh:
                cached = pickle.load(fh)
            if isinstance(cached, _LexiconCache):
                return cached
        except (OSError, pickle.UnpicklingError, ValueError, EOFError, AttributeError) as exc:
            log.warning("lexicon cache %s unreadable (%s); rebuilding", path, exc)
    cache = _build_lexicon_cache(jieba)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write lexicon cache %s: %s", path, exc)
    return cache


@dataclass(frozen=True, slots=True)
class Piece:
    """One segment of a question: the canonical word, its in-word sub-terms, and what kind it is."""

    word: str
    subs: tuple[str, ...]
    # "term" (outline term), "topic" (a topic the outline does not cover), "word" (dictionary word),
    # "rare" (rare real word), "nonword"
    kind: str


class Segmenter:
    """Turns normalised text into canonical content tokens."""

    # Domain terms get a frequency that makes jieba keep them whole.
    TERM_FREQ = 50_000

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        jieba = _import_jieba()
        self._tokenizer = jieba.Tokenizer()
        cache = _load_lexicon_cache(jieba, cache_dir)
        self._tokenizer.FREQ = dict(cache.freq)
        self._tokenizer.total = cache.total
        self._tokenizer.initialized = True
        self._general_freq = cache.freq
        self._tags = cache.tags
        self._rare_crc = cache.rare_crc
        self._rare_freq = cache.rare_freq
        self._rare_memo: dict[str, int] = {}
        self._log_total = math.log(cache.total)
        self.lexicon = lexicon
        self._terms: set[str] = set()
        for term in lexicon.terms:
            self.add_term(term)
        for topic in lexicon.other_topics:
            self._tokenizer.add_word(topic, self.TERM_FREQ)
        for glue in _GLUED_AROUND_TERMS:
            self._tokenizer.add_word(glue, 2 * self.TERM_FREQ)
        # The matcher cuts a question twice (typo check, then scoring); the second cut is free.
        self.words = functools.lru_cache(maxsize=64)(self._words)

    def add_term(self, term: str) -> None:
        term = term.strip().lower()
        if not term or term in self._terms:
            return
        self._terms.add(term)
        self._tokenizer.add_word(term, self.TERM_FREQ)
        if hasattr(self, "words"):
            self.words.cache_clear()

    def _words(self, text: str) -> tuple[str, ...]:
        """jieba's words of ``text`` (HMM on, so unknown compounds stay together)."""
        return tuple(self._tokenizer.cut(text, HMM=True))

    def _rare_frequency(self, word: str) -> int:
        known = self._rare_memo.get(word)
        if known is not None:
            return known
        # The key must have the array's dtype: a Python int makes numpy convert the whole array.
        crc = np.uint32(zlib.crc32(word.encode("utf-8")))
        pos = int(np.searchsorted(self._rare_crc, crc))
        freq = int(self._rare_freq[pos]) if pos < len(self._rare_crc) and int(self._rare_crc[pos]) == crc else 0
        if len(self._rare_memo) < 50_000:
            self._rare_memo[word] = freq
        return freq

    def frequency(self, word: str) -> int:
        """How often ``word`` occurs in general Chinese (0 for a word jieba does not know)."""
        return self._general_freq.get(word) or self._rare_frequency(word) or 0

    def is_common(self, word: str) -> bool:
        """Whether ``word`` is an everyday word ("事情"), too common to be a pinyin-input slip."""
        return (self._general_freq.get(word) or 0) >= COMMON_WORD_FREQ

    def surprisal(self, word: str) -> float:
        """How unusual ``word`` is in general Chinese (natural log of 1/probability)."""
        freq = self._general_freq.get(word) or self._rare_frequency(word) or 1
        return self._log_total - math.log(freq)

    def tag(self, word: str) -> str:
        """jieba's part-of-speech tag of a dictionary word ("" when unknown)."""
        return self._tags.get(word, "")

    def is_term(self, word: str) -> bool:
        return word in self._terms

    def is_function_word(self, word: str) -> bool:
        if word in STOPWORDS:
            return True
        if word in self._terms or word in self.lexicon.other_topics:
            return False
        tag = self._tags.get(word, "")
        if tag == "t" and _HOLIDAY.search(word):
            return False
        if self._says_nothing(word, tag):
            return True
        # jieba knows some glues of two function words as one word ("能不能自己" → 能 + "不能自己").
        return len(word) > 2 and any(self._says_nothing(word[:i]) and self._says_nothing(word[i:])
                                     for i in range(1, len(word)))

    def _says_nothing(self, word: str, tag: str | None = None) -> bool:
        """A stopword, glued-together stopwords ("咋搞", "不能", "要做"), or a function-word tag."""
        if word in STOPWORDS or (len(word) > 1 and all(ch in STOPWORDS for ch in word)):
            return True
        tag = self._tags.get(word, "") if tag is None else tag
        return tag in FUNCTION_TAGS or bool(_TEMPORAL.match(word))

    def _canon(self, word: str) -> str | None:
        word = self.lexicon.canonical.get(word, word)
        if not word.strip() or self.is_function_word(word):
            return None
        return word

    def _kind(self, piece: str) -> str:
        if piece in self.lexicon.other_topics:
            return "topic"
        if piece in self._terms or piece in self.lexicon.canonical:
            return "term"
        if self._general_freq.get(piece):
            return "word"
        if len(piece) > 1 and self._rare_frequency(piece):
            return "rare"
        return "word" if len(piece) == 1 or not _CJK.search(piece) else "nonword"

    def _merge_rare(self, raw_pieces: Iterable[str]) -> list[str]:
        """Re-join rare real words the reduced lexicon split apart ("年"+"假" → "年假")."""
        pieces = [p.strip() for p in raw_pieces if p.strip()]
        out: list[str] = []
        i = 0
        while i < len(pieces):
            merged = False
            for span in (3, 2):
                window = pieces[i : i + span]
                if len(window) < span or not any(len(p) == 1 for p in window):
                    continue
                joined = "".join(window)
                if len(joined) <= 4 and _CJK.match(joined) and self._rare_frequency(joined):
                    out.append(joined)
                    i += span
                    merged = True
                    break
            if not merged:
                out.append(pieces[i])
                i += 1
        return out

    def pieces(self, text: str) -> list[Piece]:
        out: list[Piece] = []
        freq = self._tokenizer.FREQ
        previous = ""
        asks_permission = bool(_ASKS_PERMISSION.search(text))
        for piece in self._merge_rare(self.words(text)):
            if asks_permission and piece in _LEAVE_KINDS:
                piece = "请假"
            # "严" + "不严", "卡得严" + "不严": the negated half of a yes-or-no question split across two words.
            if len(piece) > 1 and piece[0] in "不没" and previous.endswith(piece[1:]):
                continue
            previous = piece
            # "算不算", "参加不参加": a yes-or-no question about the verb itself.
            if piece not in STOPWORDS:
                piece = _A_NOT_A.sub(r"\1", piece)
            kind = self._kind(piece)
            if kind == "nonword":
                # A compound jieba's HMM glued together ("咋设", "要列"): judge its characters.
                for ch in piece:
                    word = self._canon(ch)
                    if word is not None:
                        out.append(Piece(word, (), "word"))
                continue
            word = self._canon(piece)
            if word is None:
                continue
            subs: list[str] = []
            if len(piece) > 2 and _CJK.search(piece) and kind != "topic":
                for size in (2, 3, 4):
                    for start in range(len(piece) - size + 1):
                        sub = piece[start : start + size]
                        if sub != piece and (freq.get(sub) or sub in self._terms):
                            canon = self._canon(sub)
                            if canon is not None and canon != word and canon not in subs:
                                subs.append(canon)
            out.append(Piece(word, tuple(subs), kind))
        return out

    def tokens(self, text: str) -> list[str]:
        """Content tokens in order, each word followed by its in-word sub-terms (index side)."""
        out: list[str] = []
        for piece in self.pieces(text):
            out.append(piece.word)
            out.extend(piece.subs)
        return out
