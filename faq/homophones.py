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

from collections.abc import Iterable
from dataclasses import dataclass

MIN_TERM = 2
MAX_TERM = 6


def _is_han(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True, slots=True)
class HomophoneTable:
    # Character → its readings, for every character sounding like one in a term.
    sounds: dict[str, frozenset[str]]
    # (length, reading of the first character) → the terms of that length starting with that sound.
    terms: dict[tuple[int, str], tuple[str, ...]]
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
        # Only characters that could stand for a term's character are kept: a few thousand, not all.
        sounds: dict[str, frozenset[str]] = {}
        for code in range(0x4E00, 0x9FA6):
            ch = chr(code)
            own = term_sounds.get(ch) or readings(ch)
            if own & wanted:
                sounds[ch] = own
        by_start: dict[tuple[int, str], list[str]] = {}
        for term in chosen:
            for first in term_sounds[term[0]]:
                by_start.setdefault((len(term), first), []).append(term)
        return cls(sounds, {k: tuple(v) for k, v in by_start.items()}, frozenset(chosen))

    def correct(self, text: str, boundaries: frozenset[int], is_known) -> str:
        """``text`` with each slip replaced by its term. ``boundaries`` are the offsets where the
        question's words start or end; ``is_known(word)`` says a stretch is a word the knowledge base
        already uses as it is (then it is no slip)."""
        out: list[str] = []
        i = 0
        while i < len(text):
            fixed = self._term_at(text, i, boundaries, is_known) if i in boundaries else None
            if fixed:
                out.append(fixed)
                i += len(fixed)
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _term_at(self, text: str, start: int, boundaries: frozenset[int], is_known) -> str | None:
        for length in range(MAX_TERM, MIN_TERM - 1, -1):
            end = start + length
            if end > len(text) or end not in boundaries:
                continue
            window = text[start:end]
            if window in self.known or is_known(window) or any(ch not in self.sounds for ch in window):
                continue
            for first in self.sounds[window[0]]:
                for term in self.terms.get((length, first), ()):
                    if self._one_slip(window, term):
                        return term
        return None

    def _one_slip(self, window: str, term: str) -> bool:
        differing = [(a, b) for a, b in zip(window, term, strict=True) if a != b]
        return len(differing) == 1 and bool(self.sounds[differing[0][0]] & self.sounds.get(differing[0][1], frozenset()))
