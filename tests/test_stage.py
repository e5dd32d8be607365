"""Stage and deadline answers: relative to the message time, from config/campaign.toml."""

from datetime import datetime

import pytest

from bot.clock import CAMPAIGN_TZ, FixedClock
from bot.service import ONE_SHOT_PLATFORM, Service
from bot.settings import load_settings
from faq.kb import load_kb
from scheduler.campaign import load_campaign


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("stage") / "x.db"
    settings = load_settings(database_url=f"sqlite:///{db}")
    svc = Service(settings, clock=FixedClock(datetime(2009, 5, 15, 9, tzinfo=CAMPAIGN_TZ)))
    yield svc
    svc.close()


def ask(service, text, y, m, d, hour=10):
    return service.ask(text, platform=ONE_SHOT_PLATFORM, now=datetime(y, m, d, hour, tzinfo=CAMPAIGN_TZ))


def test_current_stage_with_days_left(service):
    reply = ask(service, "现在进行到哪一步了", 2009, 5, 15)
    assert reply.intent == "stage"
    assert "分析检查" in reply.text and "6月20日" in reply.text and "还有36天" in reply.text
    assert reply.text.rstrip().endswith("——《培训提纲》一、（一）8")


def test_before_and_after_the_campaign(service):
    before = ask(service, "活动开始了吗", 2009, 3, 1)
    assert before.intent == "stage" and "还没开始" in before.text and "3月11日" in before.text
    assert "还有10天" in before.text
    after = ask(service, "学实完了没", 2009, 9, 1)
    assert after.intent == "stage" and "已经结束" in after.text and "8月20日" in after.text


def test_deadline_ahead_and_passed(service):
    ahead = ask(service, "调研报告啥时候交", 2009, 4, 20)
    assert ahead.intent == "stage" and "4月下旬" in ahead.text and "还有10天" in ahead.text
    passed = ask(service, "成果交流会开过了吗", 2009, 5, 5)
    assert passed.intent == "stage" and "已于4月30日截止" in passed.text
    today = ask(service, "党课教案截止了吗", 2009, 5, 20)
    assert "今天截止" in today.text


def test_named_stage_start_and_end(service):
    reply = ask(service, "分析检查阶段几号结束", 2009, 5, 2)
    assert reply.intent == "stage"
    assert "6月20日结束" in reply.text and "离结束还有49天" in reply.text
    later = ask(service, "整改阶段啥时候开始", 2009, 5, 2)
    assert "6月21日开始" in later.text and "还有50天开始" in later.text


def test_next_deadlines_are_sorted(service):
    reply = ask(service, "接下来要交什么材料", 2009, 6, 25)
    assert reply.intent == "stage"
    first = reply.text.index("解放思想演讲会")
    assert first < reply.text.index("总结报告")


def test_message_time_not_process_clock(service):
    # The service clock says 15 May; the message says 1 July: the answer follows the message.
    reply = ask(service, "现在是哪个阶段", 2009, 7, 1)
    assert "整改落实" in reply.text


@pytest.mark.parametrize("text", ["三个阶段怎么安排", "阶段结束的时候要写小结吗", "整改方案公布用什么方式"])
def test_static_schedule_questions_stay_faq(service, text):
    assert ask(service, text, 2009, 5, 15).intent in ("faq", "suggest")


def test_calendar_agrees_with_the_outline_answer():
    settings = load_settings()
    campaign = load_campaign(settings.campaign_path)
    kb = load_kb(settings.faq_path)
    stages_item = kb.by_id("prep-stages")
    for stage in campaign.stages:
        assert f"{stage.name}（{stage.period}）" in stages_item.answer
    sections = {item.section for item in kb.items}
    for entry in (*campaign.stages, *campaign.deadlines):
        assert entry.source in sections, entry


def test_next_stage(service):
    reply = ask(service, "下一阶段是什么", 2009, 5, 6)
    assert reply.intent == "stage"
    assert "下一阶段是第三阶段「整改落实」" in reply.text and "6月21日开始" in reply.text and "还有46天" in reply.text


@pytest.mark.parametrize("text", ["进入下一阶段前要写小结吗", "整改进展要向群众通报吗", "整改措施要硬到什么程度"])
def test_progress_words_inside_faq_topics_stay_faq(service, text):
    assert ask(service, text, 2009, 5, 6).intent in ("faq", "suggest")


def test_moving_on_to_the_next_stage_is_a_rules_question_not_a_date():
    """"How do we move on" is the outline's 转段 rules; "when do we move on" is the calendar's."""
    from handlers.stage import stage_cue

    campaign = load_campaign(load_settings().campaign_path)
    assert stage_cue("转到下个阶段需要报批吗", campaign) is None
    assert stage_cue("进入下一阶段是几号", campaign) == "strong"


def test_days_of_leave_are_not_a_date_question():
    from handlers.stage import stage_cue

    campaign = load_campaign(load_settings().campaign_path)
    assert stage_cue("活动期间能请几天假", campaign) is None
    assert stage_cue("活动还有几天结束", campaign) == "strong"


def test_a_time_word_does_not_make_an_off_outline_topic_a_stage_question(make_settings, shared_matcher) -> None:
    """"主题党日这个月搞什么" names something the calendar does not hold: the stage handler steps aside
    (the FAQ then declines), while the same time words about the campaign still get a stage answer."""
    from bot.clock import FixedClock, parse_instant
    from bot.service import Service

    service = Service(make_settings(), clock=FixedClock(parse_instant("2009-04-16T10:00:00+08:00")),
                      matcher=shared_matcher)
    try:
        assert shared_matcher.off_outline_topic("主题党日这个月搞什么") == "主题党日"
        assert shared_matcher.off_outline_topic("这个月要做什么") is None
        assert service.ask("主题党日这个月搞什么", user_id="t1").intent != "stage"
        assert service.ask("这个月要做什么", user_id="t2").intent == "stage"
    finally:
        service.close()


@pytest.mark.parametrize("question", ["第三批什么时候开始动员", "2012年的活动还有几天结束", "第一批的整改阶段几号结束"])
def test_another_batch_or_year_is_not_dated_from_this_calendar(question, make_settings, shared_matcher) -> None:
    from bot.clock import FixedClock, parse_instant
    from bot.service import Service

    service = Service(make_settings(), clock=FixedClock(parse_instant("2009-06-25T10:00:00+08:00")),
                      matcher=shared_matcher)
    try:
        assert service.ask(question, user_id="t").intent != "stage"
        assert service.ask("整改阶段几号结束", user_id="t2").intent == "stage"  # the same words, our campaign
    finally:
        service.close()


def test_a_named_stage_beside_a_word_the_outline_never_uses_is_not_ours(make_settings, shared_matcher) -> None:
    from bot.clock import FixedClock, parse_instant
    from bot.service import Service

    assert shared_matcher.unknown_words("锅炉房整改什么时候结束")
    assert not shared_matcher.unknown_words("整改什么时候结束")
    service = Service(make_settings(), clock=FixedClock(parse_instant("2009-06-25T10:00:00+08:00")),
                      matcher=shared_matcher)
    try:
        assert service.ask("锅炉房整改什么时候结束", user_id="t").intent != "stage"
        assert service.ask("整改什么时候结束", user_id="t2").intent == "stage"
    finally:
        service.close()


def test_the_whole_campaign_is_counted_both_ways(service):
    reply = ask(service, "学实目前到哪一步了", 2009, 5, 11)
    assert reply.intent == "stage"
    # 3-11 → 5-11 is 61 days in; 5-11 → 8-20 is 101 days to go.
    assert "已开展61天" in reply.text and "离全部结束还有101天" in reply.text and "8月中旬" in reply.text


def test_days_since_the_current_stage_began(service):
    reply = ask(service, "整改落实搞了多少天了", 2009, 7, 10)
    assert reply.intent == "stage" and "已开始19天" in reply.text


@pytest.mark.parametrize("text", ["眼下是不是还在分析检查阶段", "学实启动了没有", "学习调研是不是已经过去了",
                                  "学实全部收官了吗", "五一那天算进入下一个阶段了吗"])
def test_status_questions_in_everyday_words_get_the_calendar(service, text):
    assert ask(service, text, 2009, 5, 1).intent == "stage"


def test_a_deadline_says_which_stage_it_belongs_to(service):
    reply = ask(service, "专题民主生活会啥时候开", 2009, 4, 12)
    assert reply.intent == "stage" and "属于第二阶段「分析检查」" in reply.text


def test_time_words_are_not_read_as_foreign_nouns(service):
    # jieba reads "多少天才开始" as 多少/天才/开始; "天才" must not make it somebody else's calendar.
    reply = ask(service, "还得多少天才开始整改落实", 2009, 5, 30)
    assert reply.intent == "stage" and "22天" in reply.text
    late = ask(service, "微型党课教案今天交还赶得上吗", 2009, 5, 20)
    assert late.intent == "stage" and "今天截止" in late.text


def test_next_years_round_is_not_dated_from_this_calendar(service):
    assert ask(service, "明年的群众评议什么时候搞", 2009, 10, 12).intent != "stage"


@pytest.mark.parametrize(("text", "y", "m", "d", "expected"), [
    ("还差几天开始啊", 2009, 3, 1, "还有10天"),            # no topic at all: the campaign is the only calendar
    ("一共搞了多少天了", 2009, 5, 11, "已开展61天"),
    ("学实前后一共多少天", 2009, 5, 11, "共163天"),
    ("后面是什么阶段", 2009, 5, 6, "下一阶段是第三阶段「整改落实」"),
    ("结束都多久了", 2009, 9, 1, "已结束12天"),
    ("学习调研都结束几天了", 2009, 5, 6, "已经结束6天"),
    ("眼下在哪阶段", 2009, 5, 6, "分析检查"),
])
def test_short_calendar_questions(service, text, y, m, d, expected):
    reply = ask(service, text, y, m, d)
    assert reply.intent == "stage" and expected in reply.text, reply.text


@pytest.mark.parametrize("text", ["分析检查干完了吗", "学实还在搞不", "活动是不是完了", "这礼拜是分析检查还是已经到整改了"])
def test_is_it_over_in_everyday_words(service, text):
    assert ask(service, text, 2009, 6, 25).intent == "stage"


def test_an_uncovered_topic_next_to_a_named_deadline_is_not_ours(service):
    """"民主评议党员" is annual party work, not the campaign's 群众评议 deadline."""
    assert ask(service, "民主评议党员一般几月份搞", 2009, 5, 6).intent != "stage"


@pytest.mark.parametrize(("text", "expected"), [
    ("离整改落实阶段开始还差几天", "还有46天开始"),      # "距离/离" is a time word, not a foreign noun
    ("下个月要进入哪个阶段", "下一阶段是第三阶段「整改落实」"),
    ("分析检查阶段前后多长时间", "共51天"),
    ("党课教案征集现在还可以报吗", "微型党课教案"),
    ("这周还算分析检查阶段吗", "分析检查"),
    ("眼下搞到哪一段了", "分析检查"),
    ("这阶段结束后接着干啥", "下一阶段是第三阶段「整改落实」"),
    ("到底哪天完啊", "8月20日"),              # matches the outline's schedule item: answered as of today
    ("请问这会儿在搞哪一块", "分析检查"),
    ("下一步是哪个阶段", "下一阶段是第三阶段「整改落实」"),
    ("交流会是不是已经过了时间", "已于4月30日截止"),
    ("离整个搞完还剩几天", "离全部结束还有106天"),
    ("现在第几个阶段啦", "分析检查"),
    ("这礼拜算学习调研还是分析检查", "处于第二阶段「分析检查」"),   # two stages named: which one is it now
    ("五一前后学实还在搞吗", "分析检查"),                          # a holiday says when, not what
    ("学习调研搞完接下来干啥", "分析检查"),
    ("听说已经进入分析检查了吧", "现在正处于这个阶段"),
    ("眼下我们该干点啥", "这个阶段要做"),
])
def test_more_calendar_wordings(service, text, expected):
    reply = ask(service, text, 2009, 5, 6)
    assert reply.intent == "stage" and expected in reply.text, reply.text


@pytest.mark.parametrize("text", ["分析检查阶段还在不在", "学实还继续吗", "这活动还搞不搞啦"])
def test_still_going_on_after_the_end(service, text):
    reply = ask(service, text, 2009, 9, 15)
    assert reply.intent == "stage" and "结束" in reply.text, reply.text


def test_what_to_prepare_for_next_months_milestone_is_the_outline_answer(service):
    """A "next month" cue beside a milestone asks what to prepare, not when; the date alone still dates it."""
    reply = ask(service, "下个月就要开专题民主生活会了，会前要准备些什么", 2009, 5, 12)
    assert reply.intent == "faq" and reply.meta["faq_id"] == "s2-democratic-life", reply.text
    assert ask(service, "下个月的专题民主生活会", 2009, 5, 12).intent == "stage"


def test_no_need_to_hold_it_is_not_asking_whether_it_was_held(service):
    """"就不用开了吧" asks whether a meeting can be skipped (the outline answers), not whether it took place."""
    reply = ask(service, "开过动员大会了，支部动员就不用开了吧", 2009, 3, 20)
    assert reply.intent != "stage", reply.text


def test_a_loose_time_cue_beside_an_unknown_thing_is_not_ours(service):
    assert ask(service, "活动搞完以后发不发奖状", 2009, 9, 1).intent != "stage"


def test_this_stage_beside_a_count_of_writing_asks_about_the_writing(service):
    reply = ask(service, "普通党员这个阶段的献一计写多少字", 2009, 4, 6)
    assert reply.intent == "faq" and "300--500字" in reply.text, reply.text


def test_waiting_for_a_stage_is_not_a_calendar_question(service):
    """"…还是等整改阶段" asks whether to fix problems at once (the outline's 边查边改), not the date."""
    assert ask(service, "查出的问题能马上改吗，还是等到整改阶段", 2009, 5, 6).intent != "stage"


def test_after_the_end_the_length_is_still_given(service):
    reply = ask(service, "这次学实从头到尾一共多少天", 2009, 9, 1)
    assert reply.intent == "stage" and "共163天" in reply.text


@pytest.mark.parametrize(("text", "expected"), [
    ("刚从外单位调过来 啥都不清楚。学实现在到哪一步了", "分析检查"),
    ("我们支部的心得都收齐了。现在还在学习调研吗", "分析检查"),
])
def test_a_statement_before_a_calendar_question_does_not_hide_it(service, text, expected):
    reply = ask(service, text, 2009, 5, 12)
    assert reply.intent == "stage" and expected in reply.text, reply.text


def test_a_stage_name_typed_with_a_slip_is_still_read(service):
    reply = ask(service, "眼下还是分析减查阶段不", 2009, 5, 12)
    assert reply.intent == "stage" and "6月20日" in reply.text, reply.text


def test_a_detail_the_calendar_lacks_passes_the_question_on(service):
    """The calendar dates the report but cannot say which office takes it."""
    reply = ask(service, "调研报告啥时候交 交到哪个办公室", 2009, 4, 10)
    assert reply.intent == "fallback", reply.text


def test_the_asking_clause_names_its_own_stage(service):
    """The statement names a deadline (评议) but the question is about the stage."""
    reply = ask(service, "我们支部评议刚搞完 分析检查阶段结束了吗", 2009, 6, 10)
    assert reply.intent == "stage" and "第二阶段" in reply.text and "6月20日" in reply.text, reply.text


def test_a_time_in_the_statement_only_is_not_a_calendar_question(service):
    reply = ask(service, "调研报告下周就要交 急死了。报告分几部分写", 2009, 4, 20)
    assert reply.intent == "faq" and "三部分" in reply.text, reply.text


def test_a_tag_asking_to_confirm_keeps_the_statement_as_the_question(service):
    reply = ask(service, "听同事说已经进入整改落实了，是吗", 2009, 6, 25)
    assert reply.intent == "stage" and "整改落实" in reply.text, reply.text


def test_still_in_a_named_stage_is_a_calendar_question(service):
    reply = ask(service, "仍在学习调研吗", 2009, 5, 5)
    assert reply.intent == "stage" and "已经结束" in reply.text, reply.text


def test_two_choices_with_a_stage_name_are_not_a_calendar_question(service):
    """"…还是等整改阶段再改" weighs two ways of working, it does not ask where the calendar stands."""
    assert ask(service, "查出来的毛病能马上改，还是得等整改阶段", 2009, 5, 6).intent != "stage"


def test_the_exact_day_of_a_paper_is_left_to_the_faq(service):
    """The outline dates the report "4月下旬之前", never by the day: the FAQ declines rather than guess."""
    assert ask(service, "调研报告到底哪一天前要交", 2009, 4, 10).intent == "fallback"
    # A stage's own dates are the calendar's, and the day of a stage's end is given.
    reply = ask(service, "学习调研哪天结束", 2009, 4, 10)
    assert reply.intent == "stage" and "4月30日" in reply.text


@pytest.mark.parametrize("text", ["眼下到了哪个环节", "学实几时结束", "分析检查还没结束吗"])
def test_steps_and_几时_are_calendar_words(service, text):
    assert ask(service, text, 2009, 5, 12).intent == "stage"



def test_progress_asked_after_a_statement_about_oneself(service):
    """"刚调回来" names nothing of the outline: the asking clause's 进度 makes it a calendar question."""
    reply = ask(service, "刚调回来 学实眼下是什么进度", 2009, 4, 2)
    assert reply.intent == "stage" and "学习调研" in reply.text, reply.text


def test_how_many_meetings_this_stage_is_not_a_calendar_question(service):
    reply = ask(service, "这阶段我们要开几个会", 2009, 5, 20)
    assert reply.intent != "stage", reply.text


def test_is_it_all_done_after_the_end(service):
    for text in ("活动是不是全搞完了", "学实那摊事是不是都忙完了"):
        reply = ask(service, text, 2009, 9, 2)
        assert reply.intent == "stage" and "已经结束" in reply.text, reply.text


def test_which_step_handles_a_problem_is_not_where_the_calendar_stands(service):
    """"在哪个环节解决" asks which part of the work deals with it; "到了哪个环节" asks about now."""
    assert ask(service, "规章制度有漏洞 放在哪个环节解决", 2009, 7, 1).intent != "stage"
    assert ask(service, "眼下到了哪个环节", 2009, 7, 1).intent == "stage"


def test_what_to_do_now_matching_the_schedule_item_is_answered_as_of_today(service):
    """A loose cue ("眼下该做点啥") defers to a confident FAQ answer, unless that answer is the
    schedule item itself: then the calendar says where the campaign stands."""
    reply = ask(service, "眼下该做点啥 学实", 2009, 5, 12)
    assert reply.intent == "stage" and "分析检查" in reply.text, reply.text



@pytest.mark.parametrize(("text", "month", "day", "said"), [
    # "八月底了" tells today's date: what is left to do is asked as of that day.
    ("都八月底了 学实还剩啥要做的", 8, 28, "已经结束"),
    ("眼下是不是该着手整改方案了", 7, 1, "整改落实"),
    ("党课教案截止日子还早吧", 5, 3, "还有17天"),
    ("这个阶段结束了下一个是什么", 4, 28, "下一阶段是第二阶段「分析检查」"),
    # A paper named in the statement is what the asker has done; the question is about the campaign.
    ("资料交上去了 下一个阶段是什么", 4, 24, "下一阶段是第二阶段「分析检查」"),
    ("过几天是不是进入下一阶段 下一阶段叫什么", 4, 29, "还有2天"),
    ("国庆回来学实还要继续吗", 10, 9, "已经结束"),
    ("分析检查还没完吧", 6, 25, "已经结束5天"),
    ("学实后边还有什么活动", 11, 2, "已经结束"),
    ("调研报告是不是快截止了", 4, 27, "还有3天"),
    ("眼下应该忙学习还是忙写分析检查报告", 6, 10, "还有10天"),
    ("学实眼下走到哪步了", 7, 2, "整改落实"),
    ("离分析检查还差几天才开始", 4, 25, "还有6天"),  # 几天才 is a count of days, not 天才
    # What the campaign is busy with these days is the stage it is in.
    ("最近这段学实都在忙些什么", 7, 15, "整改落实"),
    ("学实这几天的重点是什么", 3, 20, "学习调研"),
    ("整个学实是不是都弄好了", 9, 3, "已经结束"),
    # The stage after a named one, and what it holds.
    ("调研阶段弄完了接下来干啥", 4, 10, "之后是第二阶段「分析检查」"),
    ("分析检查过了以后是什么阶段", 5, 10, "之后是第三阶段「整改落实」"),
    ("接下来要进哪个阶段啊", 4, 20, "下一阶段是第二阶段「分析检查」"),
    # A holiday said as a point in time does not make the question somebody else's.
    ("清明过后是不是到第二阶段了", 4, 6, "还没开始"),
    ("学习那段还剩几天", 4, 20, "还有10天"),
    ("活动是不是快收尾了", 8, 12, "整改落实"),
    ("调研搞完了下一步做什么", 4, 15, "下一阶段是第二阶段「分析检查」"),
    ("这阶段快结束了 下一个是啥阶段", 6, 15, "下一阶段是第三阶段「整改落实」"),
    # A stage named by what is done in it, or a span of the campaign said for its stage.
    ("挑毛病的那段离开始还有几天", 4, 21, "还有10天开始"),
    ("改问题这一段还剩多少天", 8, 10, "还有10天"),
    ("这段还有几天结束", 4, 28, "还有2天"),
    ("眼下该进哪一步了", 4, 28, "下一阶段是第二阶段「分析检查」"),
    ("现在学实还有啥事情要做吗", 10, 8, "已经结束"),
    ("咱们第二批什么时候开始搞", 3, 2, "还没开始"),
    ("整改落实什么时侯结束", 7, 1, "8月20日结束"),  # 时侯 is the common slip for 时候
    ("学习调研完了下面干什么", 4, 20, "之后是第二阶段「分析检查」"),
    ("第二批是不是已经收尾了", 9, 1, "已经结束"),
])
def test_wordings_that_ask_about_the_calendar(service, text, month, day, said):
    reply = ask(service, text, 2009, month, day)
    assert reply.intent == "stage" and said in reply.text, reply.text


def test_without_a_told_date_what_is_left_to_do_is_a_faq_question(service):
    assert ask(service, "学实还剩啥要做的", 2009, 8, 28).intent != "stage"


def test_a_paper_past_its_deadline_says_where_things_stand_now(service):
    reply = ask(service, "是不是还在写分析检查报告", 2009, 7, 20)
    assert reply.intent == "stage" and "已于6月20日截止" in reply.text, reply.text
    assert "已进入第三阶段「整改落实」" in reply.text, reply.text
    # Before the deadline nothing is added.
    reply = ask(service, "分析检查报告什么时候交", 2009, 6, 1)
    assert "已进入" not in reply.text, reply.text


def test_who_organises_and_when_is_left_to_the_faq(service):
    """The calendar can date a meeting but not say who organises it; the FAQ item says both."""
    reply = ask(service, "交流会由谁牵头 什么时候开", 2009, 4, 10)
    assert reply.intent != "stage", reply.text
    assert ask(service, "交流会什么时候开", 2009, 4, 10).intent == "stage"


@pytest.mark.parametrize("month", [8, 12])
def test_what_to_do_as_the_campaign_nears_its_end_is_the_outlines(service, month):
    """"快结束了 要干些啥" tells where things stand and asks what to do: the outline answers it,
    also when the calendar has passed the end."""
    reply = ask(service, "学实马上快结束了 这时候该干些啥", 2009, month, 10)
    assert reply.intent == "faq" and "满意度测评" in reply.text, reply.text


def test_the_stage_after_a_named_one_lists_its_tasks_when_asked(service):
    reply = ask(service, "学习调研结束后接着做什么", 2009, 4, 10)
    assert reply.intent == "stage", reply.text
    assert "之后是第二阶段「分析检查」" in reply.text and "分析检查报告" in reply.text


@pytest.mark.parametrize("text", ["下个礼拜想出差可以吗 学实期间", "开完动员会 支部接下来该做哪些工作"])
def test_next_week_or_next_steps_beside_an_outline_topic_is_the_outlines(service, text):
    reply = ask(service, text, 2009, 4, 6)
    assert reply.intent == "faq", reply.text


def test_bare_what_next_is_still_the_calendars(service):
    reply = ask(service, "接下来要做哪几件事", 2009, 5, 3)
    assert reply.intent == "stage" and "接下来的截止事项" in reply.text, reply.text


def test_in_which_step_a_thing_is_done_is_the_outlines_unless_it_is_dated(service):
    assert ask(service, "问卷调查在活动的哪个阶段搞", 2009, 6, 5).intent == "faq"
    dated = ask(service, "专题民主生活会在什么阶段开", 2009, 4, 5)
    assert dated.intent == "stage" and "分析检查" in dated.text, dated.text


def test_two_ways_of_doing_a_dated_thing_ask_how_not_when(service):
    reply = ask(service, "群众评议完了以后结果是张贴出来还是开会念一下", 2009, 6, 5)
    assert reply.intent == "faq", reply.text


@pytest.mark.parametrize("text", ["一个阶段完了要交小结吗", "刚来还搞不太清楚 学实领导小组组长是谁",
                                  "第二类单位讨论结束后要交哪些材料"])
def test_any_stage_a_muddle_told_or_papers_after_a_meeting_are_not_the_calendars(service, text):
    reply = ask(service, text, 2009, 4, 15)
    assert reply.intent == "faq", reply.text


def test_where_the_campaign_stands_names_the_next_stage(service):
    reply = ask(service, "这会儿学实到什么阶段了", 2009, 5, 20)
    assert reply.intent == "stage", reply.text
    assert "处于第二阶段「分析检查」" in reply.text and "下一阶段是第三阶段「整改落实」" in reply.text


def test_a_member_asking_whether_they_still_take_part_is_answered_by_their_item(service):
    reply = ask(service, "我退休了现在还要参加学实吗", 2009, 5, 5)
    assert reply.intent == "faq" and reply.meta["faq_id"] == "who-retired", reply.text


@pytest.mark.parametrize("text", ["我是院长 学实期间要出差几天 怎么报批", "活动进展多久向上级报一次"])
def test_a_trip_of_some_days_or_how_often_is_not_a_date(service, text):
    assert ask(service, text, 2009, 5, 10).intent != "stage"
