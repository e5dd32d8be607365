"""FAQ matching latency, cold start and memory benchmark for xueshi.

What is measured (all figures are printed; nothing is asserted — this is a benchmark, not a test):

1. Outline KB: ``Matcher.from_files(...)`` on the shipped knowledge base (``config/faq.toml``).
   Queries: each item's question plus one alias, each deterministically perturbed (a dropped
   character, two adjacent characters swapped, a colloquial prefix such as "请问", or a suffix such
   as "吗"), plus ~30 out-of-scope everyday office questions. After a warm-up pass, every
   ``matcher.match_uncached(q)`` call (past the result cache: the whole work of a new question) is
   timed with ``time.perf_counter_ns`` over several rounds, pinned to
   one CPU (``os.sched_setaffinity``) when the platform allows it. Reports p50/p90/p99/max in ms.
2. Baseline, same run: plain ``jieba.lcut`` + ``rank_bm25.BM25Okapi`` over the same items
   (document = question + aliases + answer; query = ``jieba.lcut(q)``; ``get_scores`` + argmax).
   Reports its p50/p99 and the baseline/ours ratios.
3. Synthetic 10,000-item KB generated with ``random.Random(SEED)``: words Zipf-sampled from the
   outline's vocabulary plus a few thousand made-up words built from the outline's characters;
   answers 80–400 characters. Build time of ``Matcher(KnowledgeBase(...), Segmenter(...))`` is
   reported, then p50/p99 for 200 queries (perturbed questions/aliases plus out-of-scope ones),
   the BM25Okapi baseline over the same items and queries, and the ratios.
4. Cold start: wall time of ``xueshi ask "请假找谁批"`` as a subprocess (one warm-up run first so the
   lexicon cache and the database schema exist), min/median of 5 runs. The question log goes to a
   temporary SQLite file; the lexicon cache is the project's ``var/cache``.
5. Memory: RSS (process + children) of ``xueshi serve`` once ``/healthz`` answers 200.
6. Summary against the acceptance targets (informational "ok"/"MISSED").

Run from anywhere (paths are resolved from this file):

    .venv/bin/python bench/faq_latency.py            # full run (about a minute)
    .venv/bin/python bench/faq_latency.py --quick    # fewer rounds, smoke run

Subprocesses (sections 4 and 5) run with the CPU affinity the script started with, not pinned.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402

SEED = 20090416
SYNTH_ITEMS = 10_000
SYNTH_IN_SCOPE_QUERIES = 170
MADE_UP_WORDS = 3_000
ZIPF_S = 1.0
COLD_QUESTION = "请假找谁批"

TARGET_OUTLINE_P99_MS = 1.0
TARGET_10K_P99_MS = 20.0
TARGET_10K_SPEEDUP = 10.0
TARGET_COLD_S = 1.5
TARGET_RSS_MB = 200.0

PREFIXES = ("请问", "我想问一下", "麻烦问下", "老师，", "问下")
SUFFIXES = ("吗", "呀", "啊", "呢")

# Everyday questions the training outline does not cover.
OUT_OF_SCOPE = (
    "食堂几点开饭",
    "今天食堂有什么菜",
    "食堂饭卡怎么充值",
    "停车场还有车位吗",
    "地下车库的停车证怎么办",
    "车位月租多少钱",
    "打印机卡纸了怎么办",
    "复印机怎么扫描到邮箱",
    "会议室怎么预约",
    "报销发票要贴在哪里",
    "工资几号发",
    "公积金怎么提取",
    "年假还剩几天",
    "空调太冷找谁调",
    "电脑坏了找谁修",
    "快递放在哪里取",
    "门禁卡丢了怎么补办",
    "班车几点发车",
    "办公室WiFi密码是多少",
    "下周五放不放假",
    "体检报告什么时候出来",
    "办公用品去哪里领",
    "明天会下雨吗",
    "附近有什么好吃的",
    "加班有没有调休",
    "新员工入职要带什么材料",
    "茶水间的热水器坏了",
    "电梯停运到几点",
    "访客登记在哪里",
    "外卖可以送到楼上吗",
    "健身房几点开门",
    "差旅住宿标准是多少",
)

# Question endings / colloquial tails for the synthetic KB.
Q_ENDINGS = ("是什么？", "怎么办？", "有哪些要求？", "吗？", "怎么安排？", "由谁负责？", "？", "有什么规定？")
ALIAS_ENDINGS = ("咋办", "是啥", "要不要", "吗", "怎么弄", "归谁管", "", "有啥讲究")
PUNCT = ("，", "，", "，", "、", "；", "。")


# ---------------------------------------------------------------------------------------------
# helpers


@dataclass
class Dist:
    """Latency samples in nanoseconds."""

    ns: np.ndarray

    def pct(self, p: float) -> float:
        return float(np.percentile(self.ns, p)) / 1e6

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p90(self) -> float:
        return self.pct(90)

    @property
    def p99(self) -> float:
        return self.pct(99)

    @property
    def max(self) -> float:
        return float(self.ns.max()) / 1e6

    @property
    def mean(self) -> float:
        return float(self.ns.mean()) / 1e6


def time_calls(fn: Callable[[str], object], queries: Sequence[str], rounds: int) -> Dist:
    """One warm-up pass, then ``rounds`` timed passes; one sample per call."""
    for q in queries:
        fn(q)
    gc.collect()
    samples = np.empty(rounds * len(queries), dtype=np.int64)
    clock = time.perf_counter_ns
    k = 0
    for _ in range(rounds):
        for q in queries:
            t0 = clock()
            fn(q)
            samples[k] = clock() - t0
            k += 1
    return Dist(samples)


def pin_one_cpu() -> tuple[set[int] | None, str]:
    """Pin this process to its first allowed CPU; return the previous affinity and a label."""
    if not hasattr(os, "sched_setaffinity"):
        return None, "not pinned (no sched_setaffinity on this platform)"
    before = os.sched_getaffinity(0)
    cpu = min(before)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return None, f"not pinned ({exc})"
    return before, f"pinned to CPU {cpu} (of {len(before)} allowed)"


def restore_affinity(before: set[int] | None) -> None:
    if before is not None:
        os.sched_setaffinity(0, before)


def perturb(text: str, rng: random.Random, kind: int) -> str:
    """Deterministic typo / colloquial variant of a question (kind 0..3)."""
    core = text.rstrip("？?。！! ")
    if kind == 0 and len(core) > 3:  # drop one character (not the first)
        i = rng.randrange(1, len(core))
        return core[:i] + core[i + 1 :]
    if kind == 1 and len(core) > 3:  # swap two adjacent characters
        i = rng.randrange(0, len(core) - 1)
        return core[:i] + core[i + 1] + core[i] + core[i + 2 :]
    if kind == 2:
        return rng.choice(PREFIXES) + core
    return core + rng.choice(SUFFIXES)


def ms(x: float) -> str:
    return f"{x:8.3f} ms"


def ratio(a: float, b: float) -> str:
    return f"{a / b:6.1f}x" if b > 0 else "   n/a"


def header(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 76 - len(title)))


class Baseline:
    """Naive jieba + BM25Okapi: document = question + aliases + answer."""

    def __init__(self, items, jieba) -> None:
        from rank_bm25 import BM25Okapi

        self._lcut = jieba.lcut
        self.items = items
        corpus = []
        for item in items:
            tokens = self._lcut(item.question)
            for alias in item.aliases:
                tokens += self._lcut(alias)
            tokens += self._lcut(item.answer)
            corpus.append(tokens)
        self.bm25 = BM25Okapi(corpus)

    def best(self, query: str) -> int:
        return int(np.argmax(self.bm25.get_scores(self._lcut(query))))


def import_plain_jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # full dictionary, as a naive implementation would load it
    return jieba


def top1_hits(best_id: Callable[[str], str | None], labelled: Sequence[tuple[str, str]]) -> int:
    return sum(1 for q, item_id in labelled if best_id(q) == item_id)


# ---------------------------------------------------------------------------------------------
# 1 + 2: outline knowledge base


def outline_queries(kb, rng: random.Random) -> tuple[list[tuple[str, str]], list[str]]:
    """(perturbed in-scope query, source item id) pairs and the out-of-scope list."""
    labelled: list[tuple[str, str]] = []
    k = 0
    for item in kb.items:
        sources = [item.question]
        if item.aliases:
            sources.append(rng.choice(item.aliases))
        for text in sources:
            labelled.append((perturb(text, rng, k % 4), item.id))
            k += 1
    return labelled, list(OUT_OF_SCOPE)


def bench_outline(settings, rounds: int, jieba) -> dict:
    from faq.matcher import Matcher

    header("1. Outline KB: Matcher.match")
    t0 = time.perf_counter()
    matcher = Matcher.from_files(settings.faq_path, settings.lexicon_path, settings.cache_dir)
    build_s = time.perf_counter() - t0
    rng = random.Random(SEED)
    labelled, oos = outline_queries(matcher.kb, rng)
    queries = [q for q, _ in labelled] + oos
    print(f"items: {len(matcher.kb.items)}   queries: {len(queries)} ({len(labelled)} perturbed in-scope, "
          f"{len(oos)} out-of-scope)   rounds: {rounds}   build (from_files): {build_s * 1000:.0f} ms")
    outcomes = Counter(matcher.match(q).outcome for q, _ in labelled)
    oos_outcomes = Counter(matcher.match(q).outcome for q in oos)
    print(f"outcomes in-scope: {dict(outcomes)}   out-of-scope: {dict(oos_outcomes)}")

    # Past the result cache: every timed call does the whole work of a question never seen.
    ours = time_calls(matcher.match_uncached, queries, rounds)
    print(f"ours      p50 {ms(ours.p50)}   p90 {ms(ours.p90)}   p99 {ms(ours.p99)}   max {ms(ours.max)}"
          f"   (n={ours.ns.size})")

    header("2. Outline KB: baseline jieba.lcut + BM25Okapi")
    t0 = time.perf_counter()
    base = Baseline(matcher.kb.items, jieba)
    print(f"baseline build: {(time.perf_counter() - t0) * 1000:.0f} ms")
    theirs = time_calls(base.best, queries, rounds)
    print(f"baseline  p50 {ms(theirs.p50)}   p99 {ms(theirs.p99)}   (n={theirs.ns.size})")
    print(f"ratio baseline/ours   p50 {ratio(theirs.p50, ours.p50)}   p99 {ratio(theirs.p99, ours.p99)}")

    def our_best(q: str) -> str | None:
        best = matcher.match(q).best
        return best.item.id if best else None

    hits_ours = top1_hits(our_best, labelled)
    hits_base = top1_hits(lambda q: base.items[base.best(q)].id, labelled)
    print(f"(context) in-scope top-1 = source item: ours {hits_ours}/{len(labelled)}, "
          f"baseline {hits_base}/{len(labelled)}")
    return {"ours": ours, "base": theirs}


# ---------------------------------------------------------------------------------------------
# 3: synthetic 10,000-item knowledge base


def outline_vocabulary(settings) -> tuple[list[str], list[str], list[int]]:
    """Outline content words by descending frequency, plus its CJK characters and their counts."""
    from faq.kb import load_kb
    from faq.normalize import normalize
    from faq.segmenter import Lexicon, Segmenter

    kb = load_kb(settings.faq_path)
    seg = Segmenter(Lexicon.load(settings.lexicon_path), settings.cache_dir)
    words: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for item in kb.items:
        for text in [item.question, item.answer, *item.aliases, *item.keywords]:
            for w in seg.tokens(normalize(text)):
                if not w.isascii():
                    words[w] += 1
            chars.update(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    ranked = [w for w, _ in words.most_common()]
    char_list = [c for c, _ in chars.most_common()]
    return ranked, char_list, [chars[c] for c in char_list]


def synth_kb(settings, rng: random.Random):
    from faq.kb import FaqItem, KnowledgeBase

    outline_words, chars, char_weights = outline_vocabulary(settings)
    known = set(outline_words)
    made_up: list[str] = []
    seen: set[str] = set()
    while len(made_up) < MADE_UP_WORDS:
        w = "".join(rng.choices(chars, weights=char_weights, k=rng.choice((2, 2, 3, 3, 4))))
        if w not in known and w not in seen:
            seen.add(w)
            made_up.append(w)
    # Zipf ranks: the outline's most common words stay on top, the rest mixes with made-up words.
    head, tail = outline_words[:150], outline_words[150:] + made_up
    rng.shuffle(tail)
    vocab = head + tail
    cum = np.cumsum(1.0 / np.arange(1, len(vocab) + 1) ** ZIPF_S).tolist()

    def zipf(k: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cum, k=k)

    items = []
    for n in range(SYNTH_ITEMS):
        topic = rng.sample(tail, rng.randint(2, 3))  # distinguishing words of this item
        q_words = topic + zipf(rng.randint(1, 4))
        rng.shuffle(q_words)
        question = "".join(q_words) + rng.choice(Q_ENDINGS)
        aliases = []
        for _ in range(rng.randint(2, 6)):
            a_words = rng.sample(topic, rng.randint(1, len(topic))) + zipf(rng.randint(1, 3))
            rng.shuffle(a_words)
            aliases.append("".join(a_words) + rng.choice(ALIAS_ENDINGS))
        target = rng.randint(80, 400)
        parts: list[str] = []
        size = 0
        while size < target:
            chunk = zipf(rng.randint(3, 9))
            if rng.random() < 0.35:
                chunk.insert(rng.randrange(len(chunk) + 1), rng.choice(topic))
            text = "".join(chunk) + rng.choice(PUNCT)
            parts.append(text)
            size += len(text)
        body = "".join(parts)[: target - 1].rstrip("，、；。")
        while len(body) < target - 1:  # stripping punctuation may have made it short
            body += zipf(1)[0]
        answer = body[: target - 1] + "。"
        items.append(FaqItem(
            id=f"synth-{n:05d}", section=f"合成·{n // 100}·{n % 100}", question=question, answer=answer,
            aliases=aliases, keywords=list(topic),
        ))
    return KnowledgeBase(title="synthetic 10k", items=items), len(vocab), len(made_up)


def bench_synthetic(settings, rounds: int, base_rounds: int, jieba) -> dict:
    from faq.matcher import Matcher
    from faq.segmenter import Lexicon, Segmenter

    header(f"3. Synthetic {SYNTH_ITEMS:,}-item KB")
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    kb, vocab_size, n_made_up = synth_kb(settings, rng)
    gen_s = time.perf_counter() - t0
    answer_lens = [len(i.answer) for i in kb.items]
    n_aliases = sum(len(i.aliases) for i in kb.items)
    print(f"generated in {gen_s:.1f} s: vocabulary {vocab_size} words ({n_made_up} made up), "
          f"{n_aliases} aliases, answers {min(answer_lens)}–{max(answer_lens)} chars "
          f"(mean {statistics.mean(answer_lens):.0f})")

    t0 = time.perf_counter()
    segmenter = Segmenter(Lexicon.load(settings.lexicon_path), settings.cache_dir)
    seg_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher = Matcher(kb, segmenter)
    build_s = time.perf_counter() - t0
    print(f"build: Segmenter {seg_s * 1000:.0f} ms + Matcher (segment + index) {build_s:.2f} s")
    try:  # index internals; informational only
        words, grams = matcher.index.words, matcher.index.grams
        longest = max(len(ids) for ids in words.ids.values())
        print(f"index: {len(words.ids)} word features (longest posting list {longest} items), "
              f"{len(grams.ids)} bigram features")
    except AttributeError:
        pass

    labelled: list[tuple[str, str]] = []
    for k in range(SYNTH_IN_SCOPE_QUERIES):
        item = kb.items[rng.randrange(len(kb.items))]
        text = rng.choice([item.question, *item.aliases])
        labelled.append((perturb(text, rng, k % 4), item.id))
    queries = [q for q, _ in labelled] + list(OUT_OF_SCOPE)[: 200 - len(labelled)]
    print(f"queries: {len(queries)} ({len(labelled)} perturbed in-scope, {len(queries) - len(labelled)} "
          f"out-of-scope)   rounds: ours {rounds}, baseline {base_rounds}")

    # Past the result cache: every timed call does the whole work of a question never seen.
    ours = time_calls(matcher.match_uncached, queries, rounds)
    print(f"ours      p50 {ms(ours.p50)}   p90 {ms(ours.p90)}   p99 {ms(ours.p99)}   max {ms(ours.max)}"
          f"   (n={ours.ns.size})")

    t0 = time.perf_counter()
    base = Baseline(kb.items, jieba)
    print(f"baseline build: {time.perf_counter() - t0:.2f} s")
    theirs = time_calls(base.best, queries, base_rounds)
    print(f"baseline  p50 {ms(theirs.p50)}   p90 {ms(theirs.p90)}   p99 {ms(theirs.p99)}   "
          f"max {ms(theirs.max)}   (n={theirs.ns.size})")
    print(f"ratio baseline/ours   p50 {ratio(theirs.p50, ours.p50)}   p99 {ratio(theirs.p99, ours.p99)}")

    def our_best(q: str) -> str | None:
        best = matcher.match(q).best
        return best.item.id if best else None

    hits_ours = top1_hits(our_best, labelled)
    hits_base = top1_hits(lambda q: base.items[base.best(q)].id, labelled)
    print(f"(context) in-scope top-1 = source item: ours {hits_ours}/{len(labelled)}, "
          f"baseline {hits_base}/{len(labelled)}")
    return {"ours": ours, "base": theirs, "build_s": seg_s + build_s}


# ---------------------------------------------------------------------------------------------
# 4 + 5: subprocesses


def xueshi_script() -> Path:
    return Path(sys.executable).parent / "xueshi"


def subprocess_env(db_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XUESHI_DATABASE_URL"] = f"sqlite:///{db_dir / 'bench.db'}"
    env["XUESHI_CACHE_DIR"] = str(PROJECT_ROOT / "var" / "cache")
    env.pop("XUESHI_PORT", None)
    return env


def bench_cold_start(runs: int, db_dir: Path) -> float | None:
    header(f"4. Cold start: xueshi ask \"{COLD_QUESTION}\"")
    cmd = [str(xueshi_script()), "ask", COLD_QUESTION]
    env = subprocess_env(db_dir)
    walls: list[float] = []
    for n in range(runs + 1):  # run 0 is the warm-up (creates caches and the database schema)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(f"run {n} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")
            return None
        if n == 0:
            print(f"warm-up run: {wall:.3f} s   reply starts: {proc.stdout.strip().splitlines()[0][:60]!r}")
        else:
            walls.append(wall)
    print(f"{runs} runs: min {min(walls):.3f} s   median {statistics.median(walls):.3f} s   "
          f"max {max(walls):.3f} s")
    return statistics.median(walls)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(proc) -> float:
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / (1024 * 1024)


def bench_serve_rss(db_dir: Path) -> float | None:
    import httpx
    import psutil

    header("5. Memory: xueshi serve")
    port = free_port()
    log_path = db_dir / "serve.log"
    with open(log_path, "wb") as log_fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(xueshi_script()), "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                                env=subprocess_env(db_dir), stdout=log_fh, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            ready_s = None
            with httpx.Client(timeout=2.0) as client:
                while time.perf_counter() - t0 < 30.0:
                    if proc.poll() is not None:
                        break
                    try:
                        if client.get(f"{url}/healthz").status_code == 200:
                            ready_s = time.perf_counter() - t0
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.05)
                if ready_s is None:
                    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                    print(f"server did not become healthy within 30 s (exit code {proc.poll()}):\n{tail}")
                    return None
                ps = psutil.Process(proc.pid)
                rss = rss_mb(ps)
                print(f"port {port}: /healthz 200 after {ready_s:.2f} s   RSS {rss:.1f} MB (process + children)")
                for q in [*OUT_OF_SCOPE[:10], "借调的党员在哪里参加？", "请假要找谁批准", "民主生活会什么时候开"]:
                    client.post(f"{url}/api/ask", json={"question": q})
                print(f"after 13 POST /api/ask: RSS {rss_mb(ps):.1f} MB")
                return rss
        finally:
            if proc.poll() is None:
                proc.terminate()  # SIGTERM: uvicorn shuts down gracefully
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            print(f"server stopped (exit code {proc.returncode})")


# ---------------------------------------------------------------------------------------------


def git_state() -> str:
    """Commit plus a count of uncommitted files, so figures can be tied to the code measured."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=5).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"
    if not head:
        return "unknown (not a git checkout)"
    return f"{head}" + (f" + uncommitted changes in {len(dirty)} tracked files" if dirty else " (clean)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and runs (smoke run)")
    args = parser.parse_args()
    os.chdir(PROJECT_ROOT)  # settings default to ./var/cache and friends

    if args.quick:
        outline_rounds, synth_rounds, synth_base_rounds, cold_runs = 3, 2, 1, 2
    else:
        outline_rounds, synth_rounds, synth_base_rounds, cold_runs = 30, 10, 3, 5

    from bot.settings import load_settings

    settings = load_settings()
    print(f"xueshi FAQ latency benchmark   mode: {'quick' if args.quick else 'full'}   "
          f"python {platform.python_version()}   numpy {np.__version__}")
    print(f"code: {git_state()}")
    before, label = pin_one_cpu()
    print(f"timing sections {label}")

    jieba = import_plain_jieba()
    outline = bench_outline(settings, outline_rounds, jieba)
    synth = bench_synthetic(settings, synth_rounds, synth_base_rounds, jieba)
    restore_affinity(before)

    with tempfile.TemporaryDirectory(prefix="xueshi-bench-") as tmp:
        db_dir = Path(tmp)
        cold = bench_cold_start(cold_runs, db_dir)
        rss = bench_serve_rss(db_dir)

    header("6. Summary (targets are informational)")

    def line(name: str, value: str, target: str, ok: bool | None) -> None:
        status = "n/a" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name:<34} {value:>14}   target {target:<18} {status}")

    o_p99 = outline["ours"].p99
    s_p99 = synth["ours"].p99
    speedup = synth["base"].p99 / s_p99 if s_p99 else float("inf")
    line("outline p99", f"{o_p99:.3f} ms", f"<= {TARGET_OUTLINE_P99_MS:g} ms", o_p99 <= TARGET_OUTLINE_P99_MS)
    line("10k p99", f"{s_p99:.3f} ms", f"<= {TARGET_10K_P99_MS:g} ms", s_p99 <= TARGET_10K_P99_MS)
    line("10k speed-up vs BM25Okapi (p99)", f"{speedup:.1f}x", f">= {TARGET_10K_SPEEDUP:g}x",
         speedup >= TARGET_10K_SPEEDUP)
    line("cold `xueshi ask` (median)", "failed" if cold is None else f"{cold:.3f} s", f"<= {TARGET_COLD_S:g} s",
         None if cold is None else cold <= TARGET_COLD_S)
    line("`xueshi serve` RSS", "failed" if rss is None else f"{rss:.1f} MB", f"<= {TARGET_RSS_MB:g} MB",
         None if rss is None else rss <= TARGET_RSS_MB)


if __name__ == "__main__":
    main()
