"""faq.kb: the editable knowledge base file, merging a fresh import into it, and `xueshi faq import`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import tomlkit
from conftest import OUTLINE_PATH, XUESHI_BIN

import config
from faq.kb import FaqItem, KnowledgeBase, KnowledgeBaseError, load_kb, merge_outline, save_kb
from faq.outline import parse_outline

COMMITTED_KB = config.data_path("faq.toml")

OUTLINE_V1 = """\
测试提纲
一、关于准备工作
（一）、准备阶段相关工作问题
1、准备阶段要做什么？
成立小组。
制定方案。
2、谁来负责？
书记负责。
3、要开动员会吗？
要开。
二、关于参加对象
1、退休党员参加吗？
参加。
"""


def _tricky_kb() -> KnowledgeBase:
    return KnowledgeBase(
        title="标题：含“引号”",
        items=[
            FaqItem(
                id="prep-tasks",
                section="一、（一）1",
                question='问题里有"英文引号"和\\反斜杠？',
                answer='第一段有"""三个引号"""和\'\'\'单引号\'\'\'。\n第二段\t有制表符。\n第三段（无标点',
                aliases=["别名一", '别名"二"', "别名\\三"],
                keywords=["关键词", "另一个"],
                short_answer="第二段\t有制表符。",
            ),
            FaqItem(id="b", section="一、（一）2", question="问题二？", answer="单行答案以反斜杠结尾\\"),
            FaqItem(id="c", section="二、1", question="问题三？", answer="行尾有空格  \n第二行"),
        ],
    )


# -- save / load ----------------------------------------------------------------------------------


def test_save_then_load_keeps_everything(tmp_path: Path) -> None:
    kb = _tricky_kb()
    path = tmp_path / "faq.toml"
    save_kb(kb, path)
    loaded = load_kb(path)
    assert loaded.title == kb.title
    assert loaded.items == kb.items
    assert not list(tmp_path.glob("*.tmp")), "the temporary file must be renamed into place"


def test_saved_file_is_commented_and_loads_again_after_a_second_save(tmp_path: Path) -> None:
    path = tmp_path / "faq.toml"
    save_kb(_tricky_kb(), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")  # the header explains the fields to the people who edit it
    save_kb(load_kb(path), path)
    assert path.read_text(encoding="utf-8") == text


# -- merging an import -----------------------------------------------------------------------------


def _hand_edited(outline_text: str) -> KnowledgeBase:
    """A knowledge base imported from ``outline_text`` and then edited by a person."""
    kb, _ = merge_outline(parse_outline(outline_text), None)
    first, second = kb.items[0], kb.items[1]
    first.id = "prep-tasks"
    first.aliases = ["准备阶段干啥"]
    first.keywords = ["准备阶段"]
    first.short_answer = "成立小组。"
    second.id = "prep-owner"
    second.aliases = ["谁牵头"]
    return kb


def test_first_import_adds_every_item() -> None:
    kb, report = merge_outline(parse_outline(OUTLINE_V1), None)
    assert [i.section for i in kb.items] == ["一、（一）1", "一、（一）2", "一、（一）3", "二、1"]
    assert report.added == [i.id for i in kb.items]
    assert report.changed == [] and report.removed == [] and report.unchanged == 0
    assert all(i.aliases == [] and i.keywords == [] and i.short_answer == "" for i in kb.items)


def test_reimport_of_the_same_outline_changes_nothing_and_keeps_human_fields() -> None:
    existing = _hand_edited(OUTLINE_V1)
    merged, report = merge_outline(parse_outline(OUTLINE_V1), existing)
    assert report.total_changes == 0
    assert report.unchanged == 4
    assert merged.items == existing.items


def test_reimport_reports_changed_added_and_removed_items() -> None:
    existing = _hand_edited(OUTLINE_V1)
    v2 = (
        OUTLINE_V1.replace("书记负责。", "书记和校长共同负责。")  # an answer changed
        .replace("3、要开动员会吗？\n要开。\n", "")  # a question removed
        .replace("1、退休党员参加吗？\n参加。\n", "1、退休党员参加吗？\n参加。\n2、借调的呢？\n参加原单位的。\n")  # added
    )
    removed_id = existing.items[2].id
    merged, report = merge_outline(parse_outline(v2), existing)

    assert report.changed == ["prep-owner"]
    assert report.removed == [removed_id]
    assert len(report.added) == 1
    added = merged.by_id(report.added[0])
    assert added is not None and added.section == "二、2" and added.answer == "参加原单位的。"
    assert report.unchanged == 2

    owner = merged.by_id("prep-owner")
    assert owner is not None
    assert owner.answer == "书记和校长共同负责。"  # the outline's text wins ...
    assert owner.aliases == ["谁牵头"]  # ... the person's fields survive
    tasks = merged.by_id("prep-tasks")
    assert tasks is not None
    assert (tasks.aliases, tasks.keywords, tasks.short_answer) == (["准备阶段干啥"], ["准备阶段"], "成立小组。")
    assert merged.by_id(removed_id) is None


def test_an_item_that_moved_is_recognised_by_its_question() -> None:
    existing = _hand_edited(OUTLINE_V1)
    # a new first question pushes every question of 一、（一） one number down
    v2 = OUTLINE_V1.replace("3、要开动员会吗？", "4、要开动员会吗？").replace("2、谁来负责？", "3、谁来负责？")
    v2 = v2.replace("1、准备阶段要做什么？", "1、新增的问题？\n新增的答案。\n2、准备阶段要做什么？", 1)
    outline = parse_outline(v2)
    assert [i.question for i in outline.items][:2] == ["新增的问题？", "准备阶段要做什么？"]

    merged, report = merge_outline(outline, existing)
    tasks = merged.by_id("prep-tasks")
    assert tasks is not None
    assert tasks.question == "准备阶段要做什么？"
    assert tasks.aliases == ["准备阶段干啥"] and tasks.short_answer == "成立小组。"
    fresh = next(i for i in merged.items if i.question == "新增的问题？")
    assert fresh.aliases == [] and fresh.short_answer == ""
    assert report.added == [fresh.id]
    assert report.removed == []


# -- the committed knowledge base -------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed() -> KnowledgeBase:
    return load_kb(COMMITTED_KB)


def test_committed_kb_matches_the_outline(committed: KnowledgeBase, outline_text: str) -> None:
    outline = parse_outline(outline_text)
    assert len(committed.items) == 32
    assert committed.title == outline.title
    sections = [i.section for i in committed.items]
    assert len(set(sections)) == len(sections)
    parsed = {i.section: i for i in outline.items}
    assert set(sections) == set(parsed)
    for item in committed.items:
        assert item.answer == parsed[item.section].answer, f"{item.id}: answer differs from the outline"
        assert item.question == parsed[item.section].question, f"{item.id}: question differs from the outline"


def test_committed_kb_is_up_to_date_with_a_reimport(committed: KnowledgeBase, outline_text: str) -> None:
    merged, report = merge_outline(parse_outline(outline_text), committed)
    assert report.total_changes == 0 and report.unchanged == 32
    assert [i.id for i in merged.items] == [i.id for i in committed.items]


def test_committed_kb_human_fields_are_sane(committed: KnowledgeBase) -> None:
    ids = [i.id for i in committed.items]
    assert len(set(ids)) == len(ids)
    for item in committed.items:
        if item.short_answer:
            assert item.short_answer in item.answer, f"{item.id}: short answer must quote the answer"
        assert len(set(item.aliases)) == len(item.aliases), f"{item.id}: duplicate alias"


# -- load errors --------------------------------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(KnowledgeBaseError, match="not found") as info:
        load_kb(path)
    assert str(path) in str(info.value)


def test_bad_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('title = "x"\n[[items]]\nid = "a\n', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="not valid TOML") as info:
        load_kb(path)
    assert str(path) in str(info.value)


def test_duplicate_id_is_a_clear_error(tmp_path: Path) -> None:
    kb = _tricky_kb()
    kb.items[2].id = kb.items[0].id
    path = tmp_path / "dup.toml"
    save_kb(kb, path)
    with pytest.raises(KnowledgeBaseError, match="duplicate item id 'prep-tasks'"):
        load_kb(path)


def test_item_without_a_required_field_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "lacks.toml"
    path.write_text('title = "x"\n[[items]]\nid = "a"\nsection = "一、1"\nquestion = "q？"\n', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="answer"):
        load_kb(path)


def test_file_without_items_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('title = "x"\n', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="no \\[\\[items\\]\\]"):
        load_kb(path)


# -- the CLI ------------------------------------------------------------------------------------------


def _import(out: Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XUESHI_BIN), "faq", "import", str(OUTLINE_PATH), "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )


def test_cli_import_twice_keeps_hand_edits(tmp_path: Path, cli_env: dict[str, str], outline_text: str) -> None:
    out = tmp_path / "kb" / "faq.toml"
    first = _import(out, cli_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "新增 32" in first.stdout and "未变 0" in first.stdout

    # a person edits the file: a better id and some aliases for the first item
    doc = tomlkit.parse(out.read_text(encoding="utf-8"))
    first_item = doc["items"][0]
    old_id = str(first_item["id"])
    first_item["id"] = "units-renamed"
    first_item["aliases"] = ["哪些单位参加", "参学单位有哪些"]
    first_item["keywords"] = ["参学单位"]
    out.write_text(tomlkit.dumps(doc), encoding="utf-8")

    second = _import(out, cli_env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "未变 32" in second.stdout
    assert "新增 0" in second.stdout and "修改 0" in second.stdout and "删除 0" in second.stdout

    kb = load_kb(out)
    assert len(kb.items) == 32
    item = kb.by_id("units-renamed")
    assert item is not None and kb.by_id(old_id) is None
    assert item.aliases == ["哪些单位参加", "参学单位有哪些"]
    assert item.keywords == ["参学单位"]
    assert item.answer == parse_outline(outline_text).items[0].answer


def test_cli_import_of_a_missing_outline_fails_cleanly(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(XUESHI_BIN), "faq", "import", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o.toml")],
        capture_output=True, text=True, env=cli_env, cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 2
    assert "找不到文件" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o.toml").exists()
