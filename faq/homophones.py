"""Undo pinyin-input slips in the outline's own terms: "学时活动" → "学实活动", "整该方案" → "整改方案".

People type Chinese by pinyin and pick the wrong character of the right sound; a question with
"调妍报告" shares no word with the item on 调研报告. :class:`HomophoneTable` knows, for every
domain term (lexicon terms, synonyms, item keywords), the sounds of its characters, and replaces a
stretch of the question that sounds like a term, differs from it in one character and stands as a
word of its own (so "联系电话" is never read as "联系点" + "话").

The table is built once with pypinyin (tones ignored: input methods do not ask for them) and kept in
the cached index; answering a question needs no pinyin library. This module knows nothing of jieba,
the index's scoring or the knowledge base's format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_TERM = 2
MAX_TERM = 6


def _is_han(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True, slots=True)
class HomophoneTable:
    # Character → its readings, for every character sounding like one in a term.
    sounds: dict[str, frozenset[str]]
    # A term with one character masked ("整\0" for 整改) → (term, masked position): a stretch matching
    # all but one character of a term is found with one lookup per position.
    masked: dict[str, tuple[tuple[str, int], ...]]
    known: frozenset[str]

    @classmethod
    def build(cls, terms: Iterable[str]) -> HomophoneTable:
        from pypinyin import Style, pinyin

        def readings(ch: str) -> frozenset[str]:
            found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
            return frozenset(found[0]) if found else frozenset()

        chosen = sorted({t for t in terms if MIN_TERM <= len(t) <= MAX_TERM and _is_han(t)})
        term_sounds = {ch: readings(ch) for t in chosen for ch in t}
        wanted = frozenset().union(*term_sounds.values()) if term_sounds else frozenset()
        # Only characters that could stand for a term's character are kept: the rest never matter.
        sounds: dict[str, frozenset[str]] = {}
        for code in range(0x4E00, 0x9FA6):
            ch = chr(code)
            own = term_sounds.get(ch) or readings(ch)
            if own & wanted:
                sounds[ch] = own
        masked: dict[str, list[tuple[str, int]]] = {}
        for term in chosen:
            for i in range(len(term)):
                masked.setdefault(_mask(term, i), []).append((term, i))
        return cls(sounds, {k: tuple(v) for k, v in masked.items()}, frozenset(chosen))

    def correct(self, words: Sequence[str], is_known, frequency=None) -> str:
        """The question (its words, in order) with each slip replaced by its term. A slip spans whole
        words, at least one of them a single character or a word ``is_known`` does not know (a
        stretch of words the knowledge base uses as they are is no slip). It may end inside an
        unknown word: the segmenter glues a slip to what follows it ("带表要" in "群众带表要找几个")."""
        words = list(words)
        out: list[str] = []
        a = 0
        while a < len(words):
            found = self._term_from(words, a, is_known, frequency)
            if found:
                term, end, rest = found
                out.append(term)
                if rest:
                    words[end - 1] = rest
                    end -= 1
                a = end
            else:
                out.append(words[a])
                a += 1
        return "".join(out)

    def _term_from(self, words: Sequence[str], a: int, is_known, frequency=None) -> tuple[str, int, str] | None:
        """The term a slip starting at word ``a`` stands for, the index of the word after it and what
        is left of its last word when the slip ends inside that word.

        An input method offers the more frequent of two same-sounding words first, so a real word
        rarer than the term ("往上" beside "网上") was chosen on purpose (``frequency`` tells)."""
        window = ""
        suspect = False
        candidates: list[tuple[str, int, str]] = []
        for b in range(a, len(words)):
            word = words[b]
            unknown = len(word) == 1 or not is_known(word)
            if unknown and window and 1 < len(word) <= _GLUED_MAX:
                # The slip may stop inside a word the segmenter made up from it and its neighbour.
                for cut in range(1, len(word)):
                    stretch = window + word[:cut]
                    # Two characters cut from one word are too little to tell a slip from a word.
                    if MIN_TERM < len(stretch) <= MAX_TERM and stretch not in self.known and not is_known(stretch):
                        candidates.append((stretch, b + 1, word[cut:]))
            window += word
            if len(window) > MAX_TERM:
                break
            suspect = suspect or unknown
            if suspect and len(window) >= MIN_TERM and window not in self.known and not is_known(window):
                candidates.append((window, b + 1, ""))
        candidates.sort(key=lambda c: -len(c[0]))  # the longest stretch first
        for window, end, rest in candidates:
            for i in range(len(window)):
                for term, _ in self.masked.get(_mask(window, i), ()):
                    if not self.sounds.get(window[i], _NONE) & self.sounds[term[i]]:
                        continue
                    if i == 0 and window[0] in _FREE_ADVERBS and len(words[a]) == 1:
                        continue  # "问题都查完" is 都 + 查, not 督查
                    if frequency is not None and 0 < frequency(window) < frequency(term):
                        continue
                    return term, end, rest
        return None


_NONE: frozenset[str] = frozenset()
# Adverbs that stand as words of their own before almost any verb: one of them opening a slip was
# typed on purpose.
_FREE_ADVERBS = frozenset("都也就还又才再")
# The segmenter glues a slip's last character to at most a couple of following ones ("带表要").
_GLUED_MAX = 3


def _mask(word: str, position: int) -> str:
    return word[:position] + "\0" + word[position + 1:]
