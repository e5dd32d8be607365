"""Word segmentation: jieba with the outline's terms, a synonym table and stopwords.

jieba's full dictionary takes over a second to load, which would dominate every cold start. We
build a reduced lexicon once (words with a corpus frequency of at least ``MIN_WORD_FREQ``, which
covers everyday vocabulary; rarer words fall back to jieba's HMM) and cache it as a pickle keyed by
jieba's version. The general-language frequency also tells how telling an unknown word is.
"""

from __future__ import annotations

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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MIN_WORD_FREQ = 30
_LEXICON_VERSION = 1
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MISSING = object()

STOPWORDS = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 哦 嘛 么 哈 呗 啦 喔 嗯 噢 是 在 有 和 与 及 或 也 都 就 还 又 才 再 很 太 挺 更 最
    会 能 可 可以 可不可以 能不能 能否 是否 是不是 要不要 用不用 需不需要 有没有 会不会 行不行 好不好
    怎么 怎么样 怎样 如何 什么 啥 咋 咋样 咋办 怎么办 干啥 干什么 哪 哪些 哪个 多少 几个 么样 为什么 为啥
    请 请问 问 问下 问一下 一下 下 想 想问 知道 告诉 麻烦 谢谢 您 你 你们 我 我们 咱 咱们 他 她 他们 她们 它
    这 那 这个 那个 这些 那些 这样 那样 这种 那种 此 其 该 个 些 点 一点 一些 着 过 被 把 给 对 从 向 让 等 之
    得 地 嘛 吧 而 但 但是 并 并且 如果 那么 所以 因为 然后 现在 一直 已经 到底 究竟 一般 一定 应该 需要 要 不 没
    还是 或者 以及 呢 吗 哪儿 里 中 上 下 内 啊 呀 好 一 二 两 儿 弄 搞 做 办 整 有关 关于 对于 方面 情况 问题
    """.split()
)


@dataclass(frozen=True)
class Lexicon:
    """Domain terms plus a synonym table (variant → the outline's own term)."""

    terms: tuple[str, ...]
    canonical: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls.build(data.get("terms", []), data.get("groups", []))

    @classmethod
    def build(cls, terms: Iterable[str], groups: Iterable[Iterable[str]]) -> Lexicon:
        canonical: dict[str, str] = {}
        all_terms = [t.strip() for t in terms if t.strip()]
        for group in groups:
            words = [w.strip().lower() for w in group if w.strip()]
            if not words:
                continue
            for variant in words[1:]:
                canonical.setdefault(variant, words[0])
            all_terms.extend(words)
        return cls(tuple(dict.fromkeys(all_terms)), canonical)

    def fingerprint(self) -> str:
        h = hashlib.sha1()
        for t in self.terms:
            h.update(t.encode())
        for k in sorted(self.canonical):
            h.update(f"{k}={self.canonical[k]}".encode())
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


def _build_reduced_lexicon(jieba) -> tuple[dict[str, int], int, int]:
    full_total = 0
    kept = io.BytesIO()
    with open(jieba.get_dict_file().name, "rb") as fh:
        for raw in fh:
            parts = raw.split()
            if len(parts) < 2:
                continue
            freq = int(parts[1])
            full_total += freq
            if freq >= MIN_WORD_FREQ:
                kept.write(parts[0] + b" " + parts[1] + b"\n")
    kept.seek(0)
    freq_table, _ = jieba.Tokenizer.gen_pfdict(kept)
    return freq_table, full_total, MIN_WORD_FREQ


def _load_reduced_lexicon(jieba, cache_dir: Path | None) -> tuple[dict[str, int], int]:
    name = f"jieba-lexicon-v{_LEXICON_VERSION}-{jieba.__version__}-{MIN_WORD_FREQ}.pickle"
    path = cache_dir / name if cache_dir else None
    if path is not None and path.is_file():
        try:
            with open(path, "rb") as fh:
                freq_table, total = pickle.load(fh)
            return freq_table, total
        except (OSError, pickle.UnpicklingError, ValueError, EOFError) as exc:
            log.warning("lexicon cache %s unreadable (%s); rebuilding", path, exc)
    freq_table, total, _ = _build_reduced_lexicon(jieba)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((freq_table, total), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write lexicon cache %s: %s", path, exc)
    return freq_table, total


class Segmenter:
    """Turns normalised text into canonical content tokens."""

    # Domain terms get a frequency that makes jieba keep them whole.
    TERM_FREQ = 50_000

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        jieba = _import_jieba()
        self._tokenizer = jieba.Tokenizer()
        freq_table, total = _load_reduced_lexicon(jieba, cache_dir)
        self._tokenizer.FREQ = dict(freq_table)
        self._tokenizer.total = total
        self._tokenizer.initialized = True
        self._general_freq = freq_table
        self._log_total = math.log(total)
        self.lexicon = lexicon
        self._terms = set()
        for term in lexicon.terms:
            self.add_term(term)

    def add_term(self, term: str) -> None:
        term = term.strip().lower()
        if not term:
            return
        self._terms.add(term)
        self._tokenizer.add_word(term, self.TERM_FREQ)

    def surprisal(self, word: str) -> float:
        """How unusual ``word`` is in general Chinese (natural log of 1/probability)."""
        freq = self._general_freq.get(word) or 1
        return self._log_total - math.log(freq)

    def _canon(self, word: str) -> str | None:
        word = self.lexicon.canonical.get(word, word)
        if word in STOPWORDS or not word.strip():
            return None
        return word

    def tokens(self, text: str) -> list[str]:
        """Content tokens in order, with in-word sub-terms added after long words (search mode)."""
        out: list[str] = []
        freq = self._tokenizer.FREQ
        for piece in self._tokenizer.cut(text, HMM=True):
            piece = piece.strip()
            if not piece:
                continue
            word = self._canon(piece)
            if word is None:
                continue
            out.append(word)
            if len(piece) > 2 and _CJK.search(piece):
                for size in (2, 3, 4):
                    for start in range(len(piece) - size + 1):
                        sub = piece[start : start + size]
                        if sub != piece and (freq.get(sub) or sub in self._terms):
                            canon = self._canon(sub)
                            if canon is not None and canon != word:
                                out.append(canon)
        return out
