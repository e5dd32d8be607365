"""faq.matcher on the committed knowledge base, with questions written for these tests.

The in-scope questions below are our own paraphrases of outline questions (none is an alias in
config/faq.toml or a line of tests/data/paraphrases.jsonl; a test checks that). The out-of-scope
questions are everyday office matters and party affairs the outline does not cover.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import config
from bot.clock import FixedClock
from bot.service import Service
from faq.kb import load_kb
from faq.matcher import Matcher
from faq.normalize import normalize

PARAPHRASES_FILE = Path(__file__).parent / "data" / "paraphrases.jsonl"
T0 = datetime(2009, 4, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


IN_SCOPE = [
    ("幼儿园和职业学校这回都在参加范围里吗", "prep-units"),
    ("第二批基层党组织总共多少个", "prep-units"),
    ("学习实践活动办公室设在什么地方", "prep-leadership"),
    ("单位书记和校长分设都是党员，领导小组组长怎么安排", "prep-leadership"),
    ("这回学实的总负责人是哪位", "prep-leadership"),
    ("单位的问题还没查完可以先动手改吗", "s1-problems"),
    ("满意度找哪些人打分", "s3-evaluation"),
    ("是不是要等学完再改", "s1-problems"),
    ("找问题要方方面面都顾到吗", "s1-problems"),
    ("目标是不是定得很高才好", "prep-carrier"),
    ("班子的检查报告出来了找谁评", "s2-review"),
    ("分析检查材料写好了交给谁评", "s2-review"),
    ("满意度测评的结果最后写到哪", "s3-evaluation"),
    ("挂职的同志遇到生活会这种大事去哪开", "who-seconded"),
    ("问题是不是得等到整改阶段再动手改", "s1-problems"),
    ("最后的打分表请哪些人打", "s3-evaluation"),
    ("分析检查材料谁负责起草", "s2-report"),
    ("活动要结束了 写总结要写哪些", "s3-evaluation"),
    ("改进的方案以什么为依据", "s3-plan"),
    ("打分的结果最后写到哪里", "s3-evaluation"),
    ("负责指导检查卫生党委的是哪个小组", "prep-inspection"),
    ("指导检查组的副组长是谁", "prep-inspection"),
    ("我们单位还需要另外设立实践载体吗", "prep-carrier"),
    ("第一类单位的实施方案要包含哪些方面", "prep-plan"),
    ("工作计划需要征求上级意见吗", "prep-plan"),
    ("第一类单位至少要有多少名群众代表", "prep-representatives"),
    ("群众代表的名单报哪里备案", "prep-representatives"),
    ("二类单位能不能结合支部活动做动员", "prep-mobilize"),
    ("分析检查阶段是几月到几月", "prep-stages"),
    ("整改落实什么时候开始", "prep-stages"),
    ("学习调研阶段党员至少写几篇心得", "s1-training"),
    ("中层以上干部怎么培训", "s1-training"),
    ("社工委委员每人建几个联系点", "s1-contact-points"),
    ("医院的调研应该着重围绕哪些方面", "s1-research"),
    ("学校调研重点是什么", "s1-research"),
    ("查找突出问题是不是要面面俱到", "s1-problems"),
    ("普通党员献一计写多少字", "s1-report"),
    ("第一类单位领导班子要写调研报告吗", "s1-report"),
    ("普通党员的解放思想讨论题是什么", "s1-topics"),
    ("党员领导干部要提升哪三力", "s1-topics"),
    ("第二类单位解放思想讨论后要写讨论小结吗", "s1-discussion"),
    ("微型党课教案征集要写多少字", "s1-exchange"),
    ("解放思想演讲会是什么时候", "s1-exchange"),
    ("第二类单位专题民主生活会和组织生活会可以合并吗", "s2-democratic-life"),
    ("直属党委派人参加民主生活会吗", "s2-democratic-life"),
    ("分析检查报告的基本框架是什么", "s2-report"),
    ("分析检查报告的评议结果怎么公开", "s2-review"),
    ("整改落实方案要做到哪四个明确", "s3-plan"),
    ("问题那么多 整改先弄哪几个", "s3-plan"),  # the order of fixes is the plan's 轻重缓急
    ("党外领导干部要不要参与领导工作", "who-nonparty-leaders"),
    # Whether a kind of member takes part is the item on that kind, not the unit list counting them.
    ("离休党员还跟着第二批搞不", "who-retired"),
    ("退休党员也跟着第二批一块搞吗", "who-retired"),
    ("离退休党员这批一共有多少人参加", "prep-units"),
    ("中小学调研侧重在哪些方面", "s1-research"),  # 中小学 are the outline's 学校
    ("方案起草好了要给上级把关吗", "prep-plan"),  # 把关 is the outline's 征求意见
    ("党员平时学习能用什么形式", "s1-training"),  # 能用 only asks
    ("现有规章制度要怎么清理", "s3-institutions"),
    ("整改落实方案通过什么方式公布", "s3-publish"),
    ("满意度测评的内容包括什么", "s3-evaluation"),
    ("活动总结报告要体现什么", "s3-evaluation"),
    ("每个阶段结束后需要报小结吗", "other-stage-transition"),
    ("学习记录要用什么笔记本", "other-archives"),
    ("哪些资料要报上一级领导小组备案", "other-archives"),
    ("活动期间领导干部外出请假怎么报批", "other-leave"),
    ("组织关系还在单位的退休党员参加第二批吗", "who-retired"),
    ("不是党员的领导干部要参加学习实践活动吗", "who-nonparty-leaders"),
    ("正在党校学习班上课的党员怎么参加", "who-party-school"),
    ("不在编的党员要跟着本单位参加吗", "who-nonstaff"),
    ("挂职干部的重要节点在哪里参加", "who-seconded"),
    ("一个领导同时兼任两个单位的职务，两边都要参加吗", "who-multiple-posts"),
]

OUT_OF_SCOPE = [
    "食堂中午几点开饭",
    "打印机卡纸了找谁",
    "这个月工资什么时候发",
    "年度考核优秀名额有几个",
    "党费每月交多少",
    "入党积极分子怎么培养",
    "预备党员转正需要什么手续",
    "发展党员要经过哪些程序",
    "三会一课多久开一次",
    "单位停车位怎么申请",
    "报销发票需要哪些签字",
    "明天会下雨吗",
    "办公室空调坏了找谁修",
    "职称评审什么时候开始",
    "党员组织关系转接怎么办理",
    "支部委员任期满了怎么改选",
    "年休假有几天",
    "这个月的主题党日安排什么内容",
    "党小组会多长时间开一次",
    "第三批学习实践活动哪些单位参加",
    "社区卫生服务中心几点开门",
    "学校家长会什么时候开",
    "整改结束了还要组织回头看吗",
    "支部的年度评议什么时候开始",
    "我们党支部快换届了 啥时候选",  # the statement names the topic; the asking clause names nothing of ours
    "我们这边要交党费 交多少",
]

# One wrong character (a homophone) in the key term.
TYPOS = [
    ("专题民主生火会怎么开", "s2-democratic-life"),
    ("在党笑学习班的党员怎么参加", "who-party-school"),
    ("微型党棵教案写多少字", "s1-exchange"),
    ("整改落是方案怎么制订", "s3-plan"),
    ("领导干部联系店怎么建", "s1-contact-points"),
    ("借掉的党员怎么参加", "who-seconded"),
    ("满意度侧评怎么搞", "s3-evaluation"),
]


def _plain(cases: list) -> list[tuple[str, str]]:
    return [c.values if hasattr(c, "values") else c for c in cases]


@pytest.fixture(scope="module")
def matcher(shared_matcher):
    return shared_matcher


# -- the test questions are our own -------------------------------------------------------------------


def test_our_questions_are_not_copies_of_aliases_or_the_labelled_set() -> None:
    kb = load_kb(config.data_path("faq.toml"))
    taken = {normalize(a) for item in kb.items for a in [item.question, *item.aliases]}
    labelled = [json.loads(line)["q"] for line in PARAPHRASES_FILE.read_text(encoding="utf-8").splitlines() if line]
    taken |= {normalize(q) for q in labelled}
    ours = [q for q, _ in _plain(IN_SCOPE) + _plain(TYPOS)]
    ours += [c.values[0] if hasattr(c, "values") else c for c in OUT_OF_SCOPE]
    copies = [q for q in ours if normalize(q) in taken]
    assert copies == []
    assert len({item for _, item in _plain(IN_SCOPE)}) >= 20
    assert len(IN_SCOPE) >= 40 and len(OUT_OF_SCOPE) >= 15


# -- outcomes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "item_id"), IN_SCOPE)
def test_paraphrase_is_answered_with_the_right_item(matcher, question: str, item_id: str) -> None:
    result = matcher.match(question)
    got = [(c.item.id, round(c.score, 3)) for c in result.candidates]
    assert result.outcome == "answer", got
    assert result.best.item.id == item_id, got


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_question_falls_back(matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.outcome == "fallback", [(c.item.id, round(c.score, 3)) for c in result.candidates]


@pytest.mark.parametrize(("question", "item_id"), TYPOS)
def test_one_wrong_character_still_finds_the_item(matcher, question: str, item_id: str) -> None:
    result = matcher.match(question)
    got = [(c.item.id, round(c.score, 3)) for c in result.candidates]
    assert result.outcome == "answer" and result.best.item.id == item_id, got


# -- scores against the thresholds -----------------------------------------------------------------


@pytest.mark.parametrize(("question", "item_id"), IN_SCOPE)
def test_in_scope_score_is_above_the_suggest_threshold(matcher, question: str, item_id: str) -> None:
    scores = {c.item.id: c.score for c in matcher.rank(normalize(question), limit=32)}
    assert scores.get(item_id, 0.0) > matcher.suggest_threshold


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_score_is_below_the_suggest_threshold(matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.score < matcher.suggest_threshold


def test_thresholds_and_the_confidence_bar_are_in_range(matcher) -> None:
    assert 0 < matcher.answer_threshold < 1 and 0 < matcher.suggest_threshold < 1
    assert 0 < matcher.answer_confidence < 1


def test_committed_decision_weights_match_a_fresh_training(matcher) -> None:
    """The weights are trained, not hand-set: re-training on the committed sets gives the same file."""
    from faq import train_decision

    text, report = train_decision.train(matcher)
    assert train_decision.WEIGHTS_FILE.read_text(encoding="utf-8") == text, report
    assert "heldout5" not in text and "shared/eval" not in text  # kept out of training


def test_fit_learns_a_separable_rule() -> None:
    from faq import decision

    rows = [(x / 10, 1.0 - x / 10) for x in range(11)]
    labels = [1 if x > 5 else 0 for x in range(11)]
    mean, scale, weights, bias = decision.fit(rows, labels)

    assert all((decision.probability(r, mean, scale, weights, bias) > 0.5) == bool(y)
               for r, y in zip(rows, labels, strict=True))


# -- ambiguity ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["报告", "方案", "意见", "材料"])
def test_ambiguous_short_query_suggests_three_candidates(matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.outcome == "suggest", [(c.item.id, round(c.score, 3)) for c in result.candidates]
    assert len(result.candidates) == 3
    assert len({c.item.id for c in result.candidates}) == 3


def test_a_tie_at_the_top_is_never_answered(matcher) -> None:
    tied = []
    for question in ["报告", "方案", "阶段", "小结", "整改", "检查", "总结", "意见", "公开", "测评", "代表"]:
        result = matcher.match(question)
        if len(result.candidates) > 1 and result.candidates[0].score == result.candidates[1].score:
            tied.append((question, result.outcome))
    assert tied, "expected some of these one-word queries to tie"
    assert [q for q, outcome in tied if outcome == "answer"] == []


def test_candidates_are_sorted_and_distinct(matcher) -> None:
    for question in ["群众代表要参加评议和测评吗", "借调的党员怎么参加", "报告"]:
        result = matcher.match(question)
        scores = [c.score for c in result.candidates]
        assert scores == sorted(scores, reverse=True)
        assert len({c.item.id for c in result.candidates}) == len(result.candidates) <= 3
        assert all(0.0 < s <= 1.0 + 1e-6 for s in scores)


def test_empty_and_symbol_only_queries_fall_back_without_candidates(matcher) -> None:
    for question in ["", "！！！", "😀", "的了吗"]:
        result = matcher.match(question)
        assert result.outcome == "fallback" and result.candidates == []


def test_over_long_query_is_truncated_not_rejected(matcher) -> None:
    result = matcher.match("借调的党员怎么参加" + "啊" * 5000)
    assert len(result.normalized) <= 300
    assert result.outcome in ("answer", "suggest", "fallback")


# -- segmentation details that decide what a question is about ----------------------------------------


def test_a_topic_the_outline_does_not_cover_stays_whole_and_weighs_as_unknown(matcher) -> None:
    pieces = {p.word: p for p in matcher.segmenter.pieces(normalize("主题党日要交党费吗"))}
    assert pieces["主题党日"].kind == "topic" and pieces["主题党日"].subs == ()
    assert "主题" not in pieces
    weights, _ = matcher.query_weights(normalize("主题党日要交党费吗"))
    assert not matcher.index.knows("主题党日")
    assert weights["主题党日"] > matcher.index.idf("主题")


def test_a_not_a_questions_keep_only_the_verb(matcher) -> None:
    words = [p.word for p in matcher.segmenter.pieces(normalize("非在编的算不算参加对象"))]
    assert "算不算" not in words and "算" in words


def test_a_kind_of_leave_with_asking_permission_is_a_leave_request(shared_matcher) -> None:
    """The outline rules on asking for leave during the campaign, not on how many days of it one gets."""
    result = shared_matcher.match("学实期间休产假要报领导小组吗")
    assert result.outcome == "answer" and result.best.item.id == "other-leave", result
    assert shared_matcher.match("婚假一共几天").outcome == "fallback"
    asking = shared_matcher.match("这阵子想请两天事假陪孩子，行不行")
    assert asking.outcome == "answer" and asking.best.item.id == "other-leave", asking


def test_a_rarer_real_word_of_the_same_sound_was_meant(shared_matcher) -> None:
    """"往上" sounds like the outline's "网上", but an input method offers "网上" first: 往上 was chosen."""
    assert "往上" in shared_matcher.corrected("材料往上交给谁")


def test_a_not_a_question_split_across_words_keeps_one_half(matcher) -> None:
    """jieba cuts "管得严不严" into "管得严" + "不严": the negated half is no topic of its own."""
    words = [p.word for p in matcher.segmenter.pieces(normalize("外出管得严不严"))]
    assert "不严" not in words and "严" in words


@pytest.mark.parametrize("question", ["咱们医院这回要不要参加学实", "我们幼儿园还搞不搞"])
def test_whether_the_askers_unit_takes_part_is_the_list_of_units(shared_matcher, question: str) -> None:
    result = shared_matcher.match(question)
    assert result.outcome == "answer" and result.best.item.id == "prep-units", result


def test_we_alone_as_the_subject_ranks_the_list_of_units_first(shared_matcher) -> None:
    # With nothing but "we", the bot may not be sure enough to answer, but the list comes first.
    assert shared_matcher.match("我们也要搞这次活动吗").candidates[0].item.id == "prep-units"


def test_what_goes_into_a_document_prefers_the_item_that_lists_its_parts(shared_matcher) -> None:
    from faq.answer_types import asked_types, evidenced_types

    assert "⟨parts⟩" in asked_types("实施方案里面都得有啥")
    assert "⟨parts⟩" in evidenced_types(shared_matcher.kb.by_id("prep-plan").answer)
    result = shared_matcher.match("实施方案里面都得有啥")
    assert result.outcome == "answer" and result.best.item.id == "prep-plan", result
    assert "⟨parts⟩" not in evidenced_types("请假要从严掌握，按原请假制度的程序报批。")


def test_function_words_glued_together_say_nothing(matcher) -> None:
    words = [p.word for p in matcher.segmenter.pieces(normalize("调研咋搞，问题和原因能不能放一起写"))]
    assert "咋搞" not in words and "不能" not in words
    assert "调研" in words and "原因" in words


@pytest.mark.parametrize("span", ["这阵子", "这段日子", "最近这一阵", "近期"])
def test_a_stretch_of_time_around_now_is_not_a_topic(matcher, span) -> None:
    weights, _ = matcher.query_weights(normalize(f"{span}请假管得严吗"))
    assert "请假" in weights
    assert not any(word in span for word in weights), weights


def test_glues_jieba_knows_as_words_say_nothing_and_do_not_hide_a_term(matcher) -> None:
    # jieba cuts "能不能自己" into 能 + 不能自己, and "另外出" into 另 + 外出 (a word for leave).
    words = [p.word for p in matcher.segmenter.pieces(normalize("科室能不能自己另外出个心得题目"))]
    assert "不能自己" not in words and "请假" not in words
    assert "心得体会" in words or "心得" in words
    assert "请假" in [p.word for p in matcher.segmenter.pieces(normalize("外出开会要报备吗"))]


# -- the labelled paraphrase set through the whole bot ----------------------------------------------


def test_labelled_paraphrase_set_through_the_bot(tmp_path: Path, make_settings, shared_matcher) -> None:
    cases = [json.loads(line) for line in PARAPHRASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    service = Service(make_settings(), clock=FixedClock(T0), matcher=shared_matcher)
    right = in_scope = declined = out_scope = 0
    try:
        for n, case in enumerate(cases):
            # a user of their own per question, so no follow-up state carries over
            reply = service.ask(case["q"], user_id=f"u{n}")
            if case["kind"] == "faq":
                in_scope += 1
                right += reply.intent == "faq" and reply.meta.get("faq_id") == case["item"]
            elif case["kind"] == "fallback":
                out_scope += 1
                declined += reply.intent in ("fallback", "help")
    finally:
        service.close()
    rate_in, rate_out = right / in_scope, declined / out_scope
    print(f"\nparaphrases.jsonl: in-scope right-item answers {right}/{in_scope} = {rate_in:.3f}; "
          f"out-of-scope declined {declined}/{out_scope} = {rate_out:.3f}")
    assert in_scope > 0 and out_scope > 0
    assert rate_in >= 0.85
    assert rate_out >= 0.90


@pytest.mark.parametrize("question", ["心得体会可以打印吗", "动员大会的横幅去哪印", "春节期间学实暂停吗"])
def test_outline_word_with_a_foreign_predicate_falls_back(matcher, question: str) -> None:
    # One anchor word ("心得体会") plus a noun or verb the item never mentions ("打印"): another matter.
    assert matcher.match(question).outcome != "answer"


def test_one_anchor_and_a_foreign_word_scale_the_score_down(matcher) -> None:
    import faq.matcher as fm

    index = [i for i, it in enumerate(matcher.kb.items) if it.id == "s1-training"][0]
    weights, _, pieces = matcher._query(normalize("心得体会可以打印吗"))
    assert matcher._foreign_factor(matcher._slots(pieces, weights), index) == fm.FOREIGN_PENALTY
    weights, _, pieces = matcher._query(normalize("心得体会要写几篇"))
    assert matcher._foreign_factor(matcher._slots(pieces, weights), index) == 1.0


def test_a_year_the_outline_never_mentions_is_declined(shared_matcher) -> None:
    """The outline describes the 2009 campaign; a question about another year's is not answered from it."""
    assert shared_matcher.match("2011年借调的党员在哪里参加学习").outcome == "fallback"
    assert shared_matcher.match("2011年借调的党员在哪里参加学习").reason == "another year"
    assert shared_matcher.match("借调的党员在哪里参加学习").outcome == "answer"


@pytest.mark.parametrize("when", ["去年", "明年", "下一年"])
def test_a_year_named_relative_to_now_is_declined_too(shared_matcher, when: str) -> None:
    result = shared_matcher.match(f"{when}借调的党员在哪里参加学习")
    assert (result.outcome, result.reason) == ("fallback", "another year")


@pytest.mark.parametrize("question", ["“四个率先”包括哪些内容", "两个突破具体说的啥", "科学发展观的核心内容讲讲"])
def test_what_an_unexplained_slogan_means_is_declined(shared_matcher, question: str) -> None:
    """The outline quotes these slogans without spelling them out: the item quoting one is no answer."""
    result = shared_matcher.match(question)
    assert (result.outcome, result.reason) == ("fallback", "unexplained slogan")


@pytest.mark.parametrize(("question", "item_id"), [
    ("整改方案里四个明确说的是哪四样", "s3-plan"),  # the outline explains this one
    ("实行双组长是什么情况下", "prep-leadership"),
])
def test_a_slogan_the_outline_explains_is_still_answered(shared_matcher, question: str, item_id: str) -> None:
    result = shared_matcher.match(question)
    assert result.reason != "unexplained slogan"
    assert result.best.item.id == item_id


def test_the_campaign_name_is_not_the_theory(shared_matcher) -> None:
    result = shared_matcher.match("深入学习实践科学发展观活动的载体是什么")
    assert result.reason != "unexplained slogan"


def test_an_exact_day_the_top_item_never_gives_is_declined(shared_matcher) -> None:
    """The inspection item names the groups, never a day: "which day do they come" is not in it."""
    result = shared_matcher.match("指导检查组星期几到我们中学")
    assert (result.outcome, result.reason, result.best.item.id) == ("fallback", "no date given", "prep-inspection")
    # An item that gives dates still answers such a question, and a building number is not a day.
    dated = shared_matcher.match("成果交流会最迟几号开")
    assert dated.reason != "no date given" and dated.best.item.id == "s1-exchange"
    assert shared_matcher.match("学实办公室设在几号楼啊").reason != "no date given"


@pytest.mark.parametrize(("question", "reason"), [
    ("指导检查小组组长的手机多少", "no contact given"),
    ("动员大会在哪开 几楼", "no place given"),
    ("整改落实方案的样稿哪里下载", "no file given"),
    ("心得体会一篇要写多少字", "no length given"),  # the outline asks for one, never says how long
    ("调研报告得写上万字吗", "no length given"),  # 300--500字 is said of 献一计, not of the report
    ("专题民主生活会一般开几个小时", "no duration given"),
    ("整改方案在公示栏贴几天", "no period given"),
    ("集中学习有指定的书目吗", "no reading list given"),
    ("评议结果不达标的单位会怎样", "no consequence given"),
    ("心得体会可以发电子版吗", "no medium given"),
    ("学实简报多久出一期", "no frequency given"),
    ("动员大会每个支部派几个人去", "no head count given"),
    ("组长出差了让副组长顶替行吗", "no stand-in rule given"),
    ("交流会上的发言要打分吗", "no scoring given"),
    ("群众代表能发个名单吗", "no file given"),
    ("动员大会放在哪个会议室", "no place given"),
    ("调研报告不交的话会咋样", "no consequence given"),
    ("生活会没开完月底咋办", "no consequence given"),
    ("整改方案的模板能发我吗", "no template given"),
    ("督导组领导一个月下来几次", "no frequency given"),
    ("党员请假几天以上要报社工委", "no threshold given"),
    ("检查组啥时候到我们幼儿园", "no date given"),
    ("心得体会有模板吗", "no template given"),
    ("群众评议的满意率多少算合格", "no pass mark given"),
    ("党员学习交流会一个月要开几次", "no frequency given"),
    ("问卷用什么平台发", "no file given"),
    ("演讲会放在什么场地", "no place given"),
    ("分析检查报告交打印稿还是电子版", "no way to hand in given"),  # 书面评议 is a way to review, not to hand in
    ("检查组大概哪一天下来 我们好准备材料", "no date given"),  # another meeting's month is not the group's day
    ("组织关系迁到别的区 要办啥手续", "no paperwork given"),
    ("请事假需要开证明吗", "no paperwork given"),
    ("学习用的统一笔记本得自己买吗", "no money given"),
    ("总结报告交晚了会怎么样", "no consequence given"),
    ("联络员名单填哪张表报上去", "no template given"),
    ("生活会的议程能发我一份吗", "no template given"),
    ("实施方案的模板哪里能下载", "no file given"),  # 参照社工委方案 is a model, not a download
    ("民主生活会谁来主持", "no host given"),
    ("开动员会要穿正装吗", "no dress code given"),
    ("心得体会写完交给谁", "no recipient given"),
    ("民主生活会在几楼开", "no place given"),
    ("成果交流会放在哪个场馆", "no place given"),
])
def test_a_precise_detail_the_top_item_lacks_is_declined(shared_matcher, question: str, reason: str) -> None:
    assert shared_matcher.match(question).reason == reason


def test_missing_detail_looks_at_the_answer() -> None:
    from faq.answer_types import missing_detail

    # "见附表" names a table the bot does not have: the number itself is not in the answer.
    assert missing_detail("办公室电话多少", "办公场所在局2号楼106室（联系方式见附表）") == "no contact given"
    assert missing_detail("办公室电话多少", "联系电话58781234") is None
    assert missing_detail("参加评议给补助吗", "组织群众代表评议") == "no money given"
    assert missing_detail("活动在哪开", "在局2号楼106室") is None
    assert missing_detail("借调的在哪参加", "在借调单位参加") is None  # which unit, not which room
    assert missing_detail("建议写多长", "形成感言、案例或建议（300--500字）") is None
    assert missing_detail("活动要搞多长时间", "三个阶段") is None  # a duration, not a length
    # A length stated for one piece of writing does not answer how long another must be.
    proposal = "普通党员形成感言、案例或建议（300--500字），为本单位“献一计”。"
    assert missing_detail("总结报告要写几千字", "报告分三部分。\n" + proposal) == "no length given"
    assert missing_detail("献一计写多少字", "报告分三部分。\n" + proposal) is None
    # "篇幅字数不作要求" in the item about that very report answers it.
    assert missing_detail("检查报告写多少字", "基本框架四部分。篇幅字数不作要求。", "如何撰写检查报告？") is None
    assert missing_detail("心得写多少字", "基本框架四部分。篇幅字数不作要求。", "如何撰写检查报告？") == "no length given"
    # A date stated for one thing does not say which day another happens; a question naming nothing
    # the answer speaks of takes the item's dates as a whole.
    dated = "指导组由委领导带队。\n4月底之前召开成果交流会。"
    assert missing_detail("指导组哪天下来", dated) == "no date given"
    assert missing_detail("交流会哪天开", dated) is None
    assert missing_detail("究竟哪一天完", dated) is None
    # "书面评议" is a way to review a paper, not a way to hand it in.
    assert missing_detail("心得交打印版还是手写", "可采取座谈会或书面评议等形式") == "no way to hand in given"
    assert missing_detail("方案打印了贴出来算公布吗", "以会议、书面、网络等方式公布") is None
    assert missing_detail("是不是该着手写方案了", "制订整改落实方案") is None  # 着手 is not 手写
    # Buying as part of the story is not a question about money.
    assert missing_detail("本子要自己买吗", "请采用统一笔记本") == "no money given"
    assert missing_detail("我自己买了个本子 能用吗", "请采用统一笔记本") is None
    assert missing_detail("能用自己买的本子吗", "请采用统一笔记本") is None
    assert missing_detail("问卷能用电子版吗", "采取问卷调查、网上调查等形式") is None
    assert missing_detail("动员会开几个小时", "第一类单位要开动员大会") == "no duration given"
    assert missing_detail("方案要公示几天", "以会议、书面、网络等方式公布") == "no period given"
    assert missing_detail("学习要看哪几本书", "个人自学、集中培训") == "no reading list given"
    # The model to follow is given for the plan only; whom a paper goes to only where it says so.
    assert missing_detail("方案有范本吗", "方案的要求：参照社工委方案，结合单位实际") is None
    assert missing_detail("名单有范本吗", "第二类单位参照执行") == "no template given"
    assert missing_detail("名单交给谁", "名单报上一级学习实践活动领导小组备案") is None
    assert missing_detail("心得交给谁", "每位党员至少要撰写一篇心得体会") == "no recipient given"
    assert missing_detail("报告谁主持写", "主要领导要主持分析检查报告的撰写") is None
    # A cue standing wholly in a clause that only tells is the asker's story, not what is asked;
    # one reaching into the asking clause is asked.
    told = "原因主要写客观原因就行吧 比如人手和经费不足"
    assert missing_detail(told, "特别是主观原因", telling="比如人手和经费不足") is None
    assert missing_detail(told, "特别是主观原因") == "no money given"
    # "十几号人" counts people, it names no day; a meeting instead of a class is the outline's 以会代训.
    assert missing_detail("单位就二十几号人 代表咋选", "不少于15名") is None
    assert missing_detail("培训能用开会代替吗", "采取以会代训、集中辅导等形式") is None
    assert missing_detail("调研报告写多少页", "形成一份有质量的调研报告") == "no length given"
    assert missing_detail("情况多久报一次", "有关情况及时向上一级领导小组报告") is None
    # Office hours, a score scale; the satisfaction test is itself a rating, so who rates is answered.
    assert missing_detail("办公室中午有人吗 周末值班吗", "办公场所在局2号楼106室") == "no office hours given"
    assert missing_detail("评议满分多少", "由群众代表参加评议") == "no score scale given"
    assert missing_detail("评议咋打分", "由群众代表参加评议") == "no scoring given"
    assert missing_detail("测评找哪些人打分", "邀请群众代表参加满意度测评") is None
    assert missing_detail("这周还算分析检查吗", "分析检查阶段") is None  # 算分 here is 算 + 分析
    moved = "组织关系要转到外区 手续怎么办"
    assert missing_detail(moved, "原则上参加组织关系所在单位", telling="组织关系要转到外区") == "no paperwork given"
    assert missing_detail("测评没通过会怎样", "及时组织好满意度测评") == "no consequence given"
    assert missing_detail("测评要几个环节", "及时组织好满意度测评") is None
    # A worry told beside the question ("怕…完不成") is not a question about what follows a failure.
    assert missing_detail("指标怕订太满了完不成", "科学设定合理有限目标") is None
    assert missing_detail("整改事项完不成要被通报吗", "整改落实") == "no consequence given"
    # 人事代理 is a form of employment, not someone standing in for another.
    assert missing_detail("人事代理的老师要参加吗", "非在编党员参加该单位的活动") is None
    assert missing_detail("书记不在谁代理主持", "书记主持") == "no stand-in rule given"


@pytest.mark.parametrize("question", ["头一批学实是哪些单位搞的", "第一批活动啥时候收尾的"])
def test_the_first_batch_is_not_in_the_outline(shared_matcher, question: str) -> None:
    assert shared_matcher.match(question).reason == "another batch"


def test_first_batch_units_taking_part_this_time_are_still_answered(shared_matcher) -> None:
    result = shared_matcher.match("第一批参加过的单位这次还用搞吗")
    assert result.reason != "another batch" and result.best.item.id == "prep-units"


@pytest.mark.parametrize("question", ["一类和二类单位是根据什么分的", "怎么知道我们是哪类单位", "幼儿园算二类还是一类"])
def test_how_units_are_sorted_into_categories_is_declined(shared_matcher, question: str) -> None:
    assert shared_matcher.match(question).reason == "category not defined"


def test_a_higher_confidence_bar_declines_what_the_trained_bar_answers(matcher) -> None:
    question, item_id = IN_SCOPE[0]
    assert matcher.match(question).outcome == "answer"
    strict = Matcher(matcher.kb, matcher.segmenter, index=matcher.index, answer_confidence=0.9999)
    result = strict.match(question)
    assert result.outcome == "fallback" and result.reason == "not confident"
    assert result.best.item.id == item_id  # same ranking, only the decision moved


def test_the_confidence_bar_can_be_set(make_settings) -> None:
    from bot.service import build_matcher

    assert build_matcher(make_settings(answer_confidence=0.7)).answer_confidence == 0.7
    from faq import decision

    assert build_matcher(make_settings()).answer_confidence == decision.ANSWER_CONFIDENCE


@pytest.mark.parametrize(("question", "item"), [
    ("刚调来的 啥也不懂。心得体会每个人都得写吗", "s1-training"),
    ("刚入职的小白一枚 非在编的党员要参加吗", "who-nonstaff"),
])
def test_a_statement_before_the_question_does_not_drown_it(shared_matcher, question: str, item: str) -> None:
    from faq.normalize import normalize

    assert shared_matcher._match_whole(normalize(question)).outcome != "answer"  # the statement drowns it
    result = shared_matcher.match(question)
    assert result.outcome == "answer" and result.best.item.id == item
    assert result.normalized.startswith(question[:3])  # the message as asked is what is kept


def test_a_rule_decline_of_the_whole_message_stands(shared_matcher) -> None:
    """The asking clause alone would be answered, but the whole message asks for a money detail."""
    assert shared_matcher.match("调研报告怎么写 写完有补贴吗").reason == "no money given"


def test_asking_part_keeps_only_the_clauses_that_ask() -> None:
    from faq.clauses import split_asking

    def asking_part(text: str) -> str | None:
        split = split_asking(text)
        return split[0] if split else None

    assert split_asking("刚入党啥也不懂 活动开始了没") == ("活动开始了没", "刚入党啥也不懂")

    assert asking_part("刚入党啥也不懂 活动开始了没") == "活动开始了没"
    assert asking_part("退休党员要参加吗 帮支部问的") == "退休党员要参加吗"
    assert asking_part("退休党员要参加吗") is None  # one clause
    assert asking_part("退休的要参加吗 借调的呢") is None  # every clause asks
    assert asking_part("我是借调来的 在这边上班") is None  # nothing asks
    assert asking_part("听说已经开始整改了 是吗") is None  # the tag asks about the statement
    assert asking_part("科里说问题越多越好 是不是这样") is None
    # A-not-A of any verb or adjective asks ("严不严", "开没开").
    assert asking_part("平时工作忙 学实请假严不严") == "学实请假严不严"
    assert asking_part("我们人少 动员大会开没开") == "动员大会开没开"


def test_taking_annual_leave_during_the_campaign_is_a_leave_question(shared_matcher) -> None:
    """休年假 asked beside the campaign is about its leave rules; how many days are left is not."""
    result = shared_matcher.match("活动期间副院长休年假要报批吗")
    assert result.outcome == "answer" and result.best.item.id == "other-leave"
    assert shared_matcher.match("年假还有几天怎么查").outcome == "fallback"


def test_what_the_asker_tells_about_their_unit_is_context(shared_matcher) -> None:
    """The unit list names 二级综合性医院, but the question is about the representatives."""
    from faq.clauses import told_about_us

    assert told_about_us("我们是二级综合性医院 群众代表要多少") == "我们是二级综合性医院"
    assert told_about_us("我们是二级综合性医院 要参加吗") == "我们是二级综合性医院"
    assert told_about_us("我是借调来的 在哪参加") is None  # a person, not the unit: often the topic itself
    assert told_about_us("我们医院要参加吗") is None  # one clause
    result = shared_matcher.match("我们是二级综合性医院 群众代表要多少")
    assert result.outcome == "answer" and result.best.item.id == "prep-representatives"
    # When the asking clause names nothing else, the unit it told about is still the topic.
    assert shared_matcher.match("我们是二级综合性医院 这次要参加吗").best.item.id == "prep-units"


def test_the_asking_clause_alone_does_not_answer_with_an_item_foreign_to_the_statement(shared_matcher) -> None:
    """The statement names 挂职; the asking clause alone ("还得回来吗") fits the party-school item,
    which never speaks of it. Without the seconded item's own "回来" aliases that would be answered."""
    from dataclasses import replace

    from faq.kb import KnowledgeBase

    kb = shared_matcher.kb
    items = [replace(item, aliases=[a for a in item.aliases if "回" not in a]) if item.id == "who-seconded" else item
             for item in kb.items]
    matcher = Matcher(KnowledgeBase(kb.title, items), shared_matcher.segmenter)
    assert matcher.named_things("我在外头挂职两年了") == ["挂职"]
    result = matcher.match("我在外头挂职两年了 单位的学实还得回来吗")
    assert not (result.outcome == "answer" and result.best.item.id == "who-party-school"), result
    # A statement naming nothing of the outline leaves the asking clause free to answer.
    assert matcher.match("刚入党啥也不懂 每个人都要交心得吗").outcome == "answer"


def test_a_year_in_the_statement_dates_the_asker_not_the_campaign(shared_matcher) -> None:
    result = shared_matcher.match("我前年从外单位借调过来的 学实在哪边参加")
    assert result.outcome == "answer" and result.best.item.id == "who-seconded"
    assert shared_matcher.match("前年的学实是哪些单位搞的").reason == "another year"


def test_asking_leave_of_any_kind_is_a_leave_request(shared_matcher) -> None:
    result = shared_matcher.match("下周打算休个年假 行吗")
    assert result.outcome == "answer" and result.best.item.id == "other-leave"
    assert shared_matcher.match("年假一年有几天").outcome == "fallback"  # how much leave is personnel work


def test_reporting_as_it_happens_is_the_archives_item(shared_matcher) -> None:
    """及时 ("as it happens") is what the archives item says of reporting; it is not a filler word."""
    for question in ("有啥情况要及时报给上级吗", "活动进展得及时向上面报告吗"):
        result = shared_matcher.match(question)
        assert result.outcome == "answer" and result.best.item.id == "other-archives", question


def test_finding_every_problem_before_fixing_is_answered_by_fix_as_you_find(shared_matcher) -> None:
    for question in ("问题是不是都查完了以后再集中改", "得把问题全部查完才能改吗"):
        result = shared_matcher.match(question)
        assert result.outcome == "answer" and result.best.item.id == "s1-problems", question


def test_counting_the_parts_of_a_paper_prefers_the_item_that_lists_them(shared_matcher) -> None:
    """"包括哪几块" asks for the parts; "四个明确" in the plan item is a count, not a list of parts."""
    result = shared_matcher.match("分析检查报告要包括哪几块")
    assert result.outcome == "answer" and result.best.item.id == "s2-report"


def test_an_education_office_by_its_short_name_finds_its_inspection_group(shared_matcher) -> None:
    result = shared_matcher.match("二署归哪个小组管")
    assert result.outcome == "answer" and result.best.item.id == "prep-inspection"


def test_a_template_to_follow_is_the_plan_item_not_a_file(shared_matcher) -> None:
    """The plan item says to follow the committee's plan: that is the template the asker means."""
    result = shared_matcher.match("写方案有啥模板能参照")
    assert result.outcome == "answer" and result.best.item.id == "prep-plan"

