"""The ``xueshi`` command line, run as a real subprocess against a throw-away SQLite file."""

from __future__ import annotations

import json
import queue
import random
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import OUTLINE_PATH, SUGGEST_AT, XUESHI_BIN

import config
from faq.answers import MORE_HINT, SOURCE_PREFIX, source_of
from faq.kb import FaqItem, KnowledgeBase, load_kb, save_kb
from faq.outline import parse_outline

RECORD_KEYS = {"question", "intent", "answer", "faq_id", "source", "score"}
NOW = SUGGEST_AT  # every run pins the clock, so time-dependent replies are the same in each process
BUDGET = 2048


def _run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XUESHI_BIN), *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=cwd, timeout=timeout)


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout


# -- ask ----------------------------------------------------------------------------------------------


def test_ask_json_with_two_questions_prints_two_records(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["ask", "--json", "--now", NOW, "借调的党员在哪里参加", "食堂几点开饭"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    records = _records(result.stdout)
    assert len(records) == 2
    for record in records:
        assert RECORD_KEYS <= set(record)
        assert set(record) - RECORD_KEYS <= {"suggestions"}
    first, second = records
    assert first["question"] == "借调的党员在哪里参加"
    assert first["intent"] == "faq" and first["faq_id"] == "who-seconded"
    assert first["source"] == SOURCE_PREFIX + "二、5"
    assert first["answer"].startswith("借调、挂职的党员原则上参加党组织关系所在单位的学习实践活动。")
    assert first["answer"].endswith("\n" + first["source"])
    assert isinstance(first["score"], float) and 0 < first["score"] <= 1
    assert second["question"] == "食堂几点开饭"
    assert second["intent"] == "fallback"
    assert second["faq_id"] is None and second["source"] is None


def test_ask_plain_text_prints_the_answer(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["ask", "--now", NOW, "退休党员要参加吗"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "参加第二批学习实践活动。" in result.stdout
    assert SOURCE_PREFIX + "二、1" in result.stdout


def _line_reader(stream) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_ask_stdin_answers_each_line_as_it_arrives(tmp_path: Path, cli_env: dict[str, str]) -> None:
    proc = subprocess.Popen([str(XUESHI_BIN), "ask", "--json", "--now", NOW], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=cli_env, cwd=tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        replies = _line_reader(proc.stdout)
        questions = ["借调的党员在哪里参加", "", "退休党员要参加吗", "食堂几点开饭"]
        expected = [q for q in questions if q]
        got = []
        for question in questions:
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            if not question:
                continue  # blank lines are skipped, not answered
            # the reply must come while stdin is still open: answers arrive as lines arrive
            line = replies.get(timeout=60)
            assert line is not None, "ask exited early"
            got.append(json.loads(line))
        assert [r["question"] for r in got] == expected
        assert [r["faq_id"] for r in got[:2]] == ["who-seconded", "who-retired"]
        assert got[2]["intent"] == "fallback"
        proc.stdin.close()
        assert replies.get(timeout=60) is None
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stderr.read()


def test_invalid_now_exits_2_with_a_chinese_message(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["ask", "--now", "昨天下午", "借调的党员在哪里参加"], cli_env, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert "--now" in result.stderr and "ISO 8601" in result.stderr
    assert re.search(r"[\u4e00-\u9fff]", result.stderr)
    assert result.stdout == ""


def _bad_inputs() -> list[str]:
    rng = random.Random(20090317)
    noise = bytes(rng.randrange(256) for _ in range(400)).decode("utf-8", errors="replace")
    return ["", "@学实助手", "！！！", "😀🎉👍", "借" * 10_000, noise.replace("\x00", ""), "\u200b\u2005 \t"]


def test_bad_input_through_ask_json_is_answered_calmly(tmp_path: Path, cli_env: dict[str, str]) -> None:
    inputs = _bad_inputs()
    result = _run(["ask", "--json", "--now", NOW, *inputs], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    records = _records(result.stdout)
    assert [r["question"] for r in records] == inputs
    for record in records:
        assert record["intent"] in ("help", "fallback"), (record["question"][:20], record["intent"])
        assert record["answer"].strip()


def test_random_bytes_through_stdin_are_answered_calmly(tmp_path: Path, cli_env: dict[str, str]) -> None:
    rng = random.Random(7)
    lines = []
    for _ in range(5):
        text = bytes(rng.randrange(256) for _ in range(200)).decode("utf-8", errors="replace")
        lines.append(re.sub(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", " ", text))  # one line each
    result = _run(["ask", "--json", "--now", NOW], cli_env, tmp_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    records = _records(result.stdout)
    assert len(records) == len([line for line in lines if line.strip()])
    assert all(r["intent"] in ("help", "fallback") for r in records)


# -- chat ---------------------------------------------------------------------------------------------


def test_chat_json_pick_a_suggestion_by_number(tmp_path: Path, cli_env: dict[str, str], suggest_query) -> None:
    question, suggestions = suggest_query
    stdin = f"借调的党员在哪里参加\n{question}\n1\n"
    result = _run(["chat", "--json", "--now", NOW], cli_env, tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    first, suggested, picked = _records(result.stdout)
    assert first["intent"] == "faq" and first["faq_id"] == "who-seconded"
    assert suggested["intent"] == "suggest"
    assert suggested["suggestions"] == suggestions and len(suggestions) == 3
    assert "1. " in suggested["answer"]
    assert picked["question"] == "1"
    assert picked["intent"] == "faq"
    assert picked["faq_id"] == suggestions[0]
    item = load_kb(config.data_path("faq.toml")).by_id(suggestions[0])
    assert item is not None and picked["source"] == source_of(item)


def test_chat_number_without_suggestions_is_not_a_pick(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["chat", "--json", "--now", NOW], cli_env, tmp_path, stdin="1\n")
    assert result.returncode == 0, result.stderr
    (record,) = _records(result.stdout)
    assert record["intent"] != "faq"


def _page_body(answer: str) -> str:
    lines = answer.split("\n")
    assert lines[-1].startswith(SOURCE_PREFIX)
    lines = lines[:-1]
    if lines and lines[-1] == MORE_HINT:
        lines = lines[:-1]
    return "\n".join(lines)


def _read_in_full(records: list[dict], answer: str, source: str) -> None:
    assert MORE_HINT in records[0]["answer"]
    for record in records:
        assert len(record["answer"].encode("utf-8")) <= BUDGET
        assert record["answer"].split("\n")[-1] == source
        assert record["intent"] == "faq"
    assert MORE_HINT not in records[-1]["answer"]
    pages = "".join(_page_body(r["answer"]) for r in records)
    assert re.sub(r"\s", "", pages) == re.sub(r"\s", "", answer)


def test_chat_long_committed_answer_then_full_text(tmp_path: Path, cli_env: dict[str, str]) -> None:
    kb = load_kb(config.data_path("faq.toml"))
    long_items = [
        i for i in kb.items
        if len(i.answer.encode()) > BUDGET - len(("\n" + source_of(i)).encode()) or i.short_answer
    ]
    if not long_items:
        pytest.skip("no committed answer exceeds the 2048-byte budget (the synthetic test below covers 「全文」)")
    item = long_items[0]
    result = _run(["chat", "--json", "--now", NOW], cli_env, tmp_path,
                  stdin=f"{item.question}\n" + "全文\n" * 5)
    assert result.returncode == 0, result.stderr
    records = _records(result.stdout)
    assert records[0]["faq_id"] == item.id
    pages = [records[0]]
    for record in records[1:]:
        if record["intent"] != "faq":
            break
        pages.append(record)
    _read_in_full(pages, item.answer, source_of(item))


def test_chat_long_answer_then_full_text_with_a_synthetic_kb(tmp_path: Path, cli_env: dict[str, str],
                                                              outline_text: str) -> None:
    outline = parse_outline(outline_text)
    long_answer = "\n".join(i.answer for i in outline.items[:8])  # about 5.8 KB of real sentences
    kb = KnowledgeBase("测试知识库", [
        FaqItem("long", "一、（一）9", "准备阶段的全部要求有哪些？", long_answer, keywords=["全部要求"]),
        FaqItem("short", "二、1", outline.items[-6].question, outline.items[-6].answer),
    ])
    kb_path = tmp_path / "faq.toml"
    save_kb(kb, kb_path)
    env = {**cli_env, "XUESHI_FAQ_PATH": str(kb_path)}
    result = _run(["chat", "--json", "--now", NOW], env, tmp_path,
                  stdin="准备阶段的全部要求有哪些？\n全文\n全文\n全文\n全文\n全文\n")
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    records = _records(result.stdout)
    assert records[0]["faq_id"] == "long"
    pages = [r for r in records if r["intent"] == "faq"]
    _read_in_full(pages, long_answer, SOURCE_PREFIX + "一、（一）9")
    # once everything was shown, 「全文」 says there is nothing more
    assert records[-1]["intent"] != "faq" and MORE_HINT not in records[-1]["answer"]


# -- faq subcommands ----------------------------------------------------------------------------------


def test_faq_list_shows_every_item(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["faq", "list"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "32 条" in result.stdout
    for item in load_kb(config.data_path("faq.toml")).items:
        assert item.id in result.stdout


def test_faq_show_prints_the_item(tmp_path: Path, cli_env: dict[str, str], outline_text: str) -> None:
    result = _run(["faq", "show", "prep-stages"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "编号：prep-stages" in result.stdout
    assert "出处：一、（一）8" in result.stdout
    answer_line = ("第二批学习实践活动分学习调研（3月中旬-4月下旬）、分析检查（5月上旬-6月中旬）、"
                   "整改落实（6月下旬-8月中旬）三个阶段6项工作循序推进。")
    assert answer_line in outline_text
    assert answer_line in result.stdout


def test_faq_show_unknown_id_exits_1(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["faq", "show", "nope"], cli_env, tmp_path)
    assert result.returncode == 1
    _no_traceback(result)
    assert "nope" in result.stderr and "xueshi faq list" in result.stderr


def test_faq_eval_scores_a_small_set(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cases = [
        {"q": "借调的党员在哪里参加", "kind": "faq", "item": "who-seconded",
         "expect_any": ["借调、挂职的党员原则上参加党组织关系所在单位的学习实践活动"]},
        {"q": "退休党员要参加吗", "kind": "faq", "item": "who-retired", "expect_any": ["焦亚蛟"]},  # wrong on purpose
        {"q": "食堂几点开饭", "kind": "fallback", "item": None, "expect_any": []},
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    result = _run(["faq", "eval", str(path)], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert any(re.fullmatch(r"faq\s+1/2\s+0\.500", line.strip()) for line in out), result.stdout
    assert any(re.fullmatch(r"fallback\s+1/1\s+1\.000", line.strip()) for line in out), result.stdout
    assert any(re.fullmatch(r"overall 2/3 0\.667", line.strip()) for line in out), result.stdout
    failed = [line for line in out if line.startswith("✗")]
    assert len(failed) == 1 and "退休党员要参加吗" in failed[0]
    # evaluation questions are not real use: they stay out of the configured database
    assert "食堂几点开饭" not in _run(["faq", "misses"], cli_env, tmp_path).stdout


def test_faq_eval_rejects_a_malformed_file(tmp_path: Path, cli_env: dict[str, str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"q": "x", "kind": "nonsense"}\n', encoding="utf-8")
    result = _run(["faq", "eval", str(path)], cli_env, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert "第 1 行" in result.stderr


def test_faq_misses_counts_repeated_out_of_scope_questions(tmp_path: Path, cli_env: dict[str, str]) -> None:
    asked = _run(["ask", "--json", "--now", NOW, "食堂几点开饭", "借调的党员在哪里参加", "食堂几点开饭"],
                 cli_env, tmp_path)
    assert asked.returncode == 0, asked.stderr
    result = _run(["faq", "misses"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "食堂几点开饭" in line]
    assert len(rows) == 1
    cells = [c.strip() for c in re.split(r"[│┃|]", rows[0]) if c.strip()]
    assert cells[0] == "2" and cells[1] == "食堂几点开饭"
    assert "借调的党员在哪里参加" not in result.stdout  # answered questions are not misses


def test_faq_misses_on_an_empty_database(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["faq", "misses"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "还没有没答上的问题" in result.stdout


def test_faq_misses_shows_times_in_the_campaign_timezone(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TZ": "UTC"}  # a typical server
    assert _run(["ask", "--now", NOW, "食堂几点开饭"], env, tmp_path).returncode == 0
    result = _run(["faq", "misses"], env, tmp_path)
    rows = [line for line in result.stdout.splitlines() if "食堂几点开饭" in line]
    assert rows and "2009-04-16 10:00" in rows[0], rows


def test_faq_misses_names_the_closest_item_of_a_suggestion(tmp_path: Path, cli_env: dict[str, str],
                                                           suggest_query) -> None:
    question, suggestions = suggest_query
    assert _run(["ask", "--now", NOW, question], cli_env, tmp_path).returncode == 0
    result = _run(["faq", "misses"], cli_env, tmp_path)
    rows = [line for line in result.stdout.splitlines() if question in line]
    assert rows and suggestions[0] in rows[0]


def test_python_m_bot_help(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True,
                            encoding="utf-8", env=cli_env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("ask", "chat", "serve", "faq"):
        assert command in result.stdout
    assert "学实助手" in result.stdout


def test_outline_path_used_by_the_tests_exists() -> None:
    assert OUTLINE_PATH.is_file()
