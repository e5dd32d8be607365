"""The editable knowledge base file (``config/faq.toml``): load it, and merge a fresh import into it.

People own the file: ids, 相似问法 (aliases), keywords and short answers are theirs and survive a
re-import. The importer owns section, question and answer, which must stay the outline's text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from faq.outline import Outline

FILE_HEADER = """\
学实助手知识库：由 `xueshi faq import 提纲文件` 从培训提纲生成，可以手工编辑。
每个 [[items]] 是一条问答：
  id          稳定编号（可改成好读的名字，重新导入时保留）
  section     提纲中的位置，回答末尾据此注明出处
  question    提纲原问题；answer 提纲原文答案（请勿改写，重新导入会以提纲为准）
  aliases     相似问法：群众常用的其他问法，越贴近口语越好
  keywords    关键词：能区分这一条的词
  short_answer 可选的简短答案（须摘自原文）；有它时先发简短答案，回复「全文」看完整原文
  category_1 / category_2  可选：第一类 / 第二类单位的规定（须是答案原文中的一句），
              在绑定了该类单位的群里先说这一句
"""


@dataclass
class FaqItem:
    id: str
    section: str
    question: str
    answer: str
    aliases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    short_answer: str = ""
    # Verbatim excerpts of the answer that state the rule for 第一类 / 第二类 units.
    category_1: str = ""
    category_2: str = ""

    def category_rule(self, category: int | None) -> str:
        return {1: self.category_1, 2: self.category_2}.get(category or 0, "")


@dataclass
class KnowledgeBase:
    title: str
    items: list[FaqItem]

    def by_id(self, item_id: str) -> FaqItem | None:
        for item in self.items:
            if item.id == item_id:
                return item
        return None


class KnowledgeBaseError(ValueError):
    pass


def load_kb(path: Path) -> KnowledgeBase:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(f"knowledge base file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"knowledge base file {path} is not valid TOML: {exc}") from exc
    items: list[FaqItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("items", []), 1):
        try:
            item = FaqItem(
                id=str(raw["id"]),
                section=str(raw["section"]),
                question=str(raw["question"]),
                answer=str(raw["answer"]).strip(),
                aliases=[str(a) for a in raw.get("aliases", []) if str(a).strip()],
                keywords=[str(k) for k in raw.get("keywords", []) if str(k).strip()],
                short_answer=str(raw.get("short_answer", "")).strip(),
                category_1=str(raw.get("category_1", "")).strip(),
                category_2=str(raw.get("category_2", "")).strip(),
            )
        except KeyError as exc:
            raise KnowledgeBaseError(f"{path}: item #{n} lacks field {exc}") from exc
        if item.id in seen:
            raise KnowledgeBaseError(f"{path}: duplicate item id {item.id!r}")
        for field_name in ("short_answer", "category_1", "category_2"):
            excerpt = getattr(item, field_name)
            if excerpt and excerpt not in item.answer:
                raise KnowledgeBaseError(
                    f"{path}: item {item.id!r} {field_name} must be quoted from its answer word for word: {excerpt!r}"
                )
        seen.add(item.id)
        items.append(item)
    if not items:
        raise KnowledgeBaseError(f"{path}: no [[items]] found")
    return KnowledgeBase(title=str(data.get("title", "")), items=items)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total_changes(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def merge_outline(outline: Outline, existing: KnowledgeBase | None) -> tuple[KnowledgeBase, ImportReport]:
    """New knowledge base: outline text wins, human fields and ids are kept from ``existing``.

    An existing item is recognised by its question first (so an item that moved keeps its aliases),
    then, for questions whose wording changed, by its unchanged section path.
    """
    report = ImportReport()
    old_items = list(existing.items) if existing else []
    by_question = {item.question: item for item in old_items}
    matched: dict[int, FaqItem] = {}
    claimed: set[str] = set()
    for n, fresh in enumerate(outline.items):
        old = by_question.get(fresh.question)
        if old is not None and old.id not in claimed:
            matched[n] = old
            claimed.add(old.id)
    for n, fresh in enumerate(outline.items):
        if n in matched:
            continue
        old = next((i for i in old_items if i.section == fresh.section and i.id not in claimed), None)
        if old is not None:
            matched[n] = old
            claimed.add(old.id)
    merged: list[FaqItem] = []
    for n, fresh in enumerate(outline.items):
        old = matched.get(n)
        if old is None:
            merged.append(FaqItem(fresh.id, fresh.section, fresh.question, fresh.answer))
            report.added.append(fresh.id)
            continue
        item = FaqItem(old.id, fresh.section, fresh.question, fresh.answer, old.aliases, old.keywords,
                       old.short_answer, old.category_1, old.category_2)
        if (old.section, old.question, old.answer) != (item.section, item.question, item.answer):
            report.changed.append(old.id)
        else:
            report.unchanged += 1
        merged.append(item)
    report.removed = [i.id for i in old_items if i.id not in claimed]
    # A generated id must not collide with a kept one.
    taken = {i.id for i in merged}
    if len(taken) != len(merged):
        raise KnowledgeBaseError("id collision while merging; rename the clashing item in the file first")
    return KnowledgeBase(title=outline.title, items=merged), report


def _multiline(text: str) -> tomlkit.items.String:
    if "\n" in text:
        return tomlkit.string(text + "\n", multiline=True)
    return tomlkit.string(text)


def save_kb(kb: KnowledgeBase, path: Path) -> None:
    doc = tomlkit.document()
    for line in FILE_HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    doc.add("title", kb.title)
    array = tomlkit.aot()
    for item in kb.items:
        table = tomlkit.table()
        table.add("id", item.id)
        table.add("section", item.section)
        table.add("question", item.question)
        table.add("answer", _multiline(item.answer))
        aliases = tomlkit.array()
        aliases.multiline(True)
        aliases.extend(item.aliases)
        table.add("aliases", aliases)
        table.add("keywords", item.keywords)
        table.add("short_answer", item.short_answer)
        for field_name in ("category_1", "category_2"):
            if getattr(item, field_name):
                table.add(field_name, getattr(item, field_name))
        array.append(table)
    doc.add("items", array)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    tmp.replace(path)
