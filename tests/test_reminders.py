"""Reminder rules: occurrences planned from the campaign calendar, shifts, audiences, texts, rule file."""

import logging
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest

from bot.clock import CAMPAIGN_TZ
from config import data_path
from scheduler.campaign import load_campaign
from scheduler.reminders import (
    MAX_TEXT_BYTES,
    ReminderRules,
    ReminderRulesError,
    applies_to,
    load_rules,
    plan,
    preview,
    render,
)


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(data_path("campaign.toml"))


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CAMPAIGN_TZ)


def pick(occurrences, subject, prefix=""):
    return [o for o in occurrences if o.subject_id == subject and o.rule_id.startswith(prefix)]


def make_campaign(tmp_path, body, year=2009):
    path = tmp_path / "campaign.toml"
    path.write_text(f'campaign = "测试活动"\nyear = {year}\nsource = "一、（一）8"\n{body}', encoding="utf-8")
    return load_campaign(path)


def write_rules(tmp_path, text):
    path = tmp_path / "reminders.toml"
    path.write_text(text, encoding="utf-8")
    return path


STAGE = '[[stages]]\nid = "s1"\nname = "学习调研"\nordinal = 1\nperiod = "{period}"\nsource = "一、（一）8"\n'
DEADLINE = ('[[deadlines]]\nid = "{id}"\nname = "{name}"\nperiod = "{period}"\naudience = ["全体党员"]\n'
            'action = "交材料"\nsource = "一、（二）1"\n')


# ---------------------------------------------------------------- the real calendar

def test_config_file_holds_the_defaults(rules):
    assert rules == ReminderRules()
    assert rules.send_time == time(9) and rules.deadline_days_before == (7, 3, 1)
    assert (rules.quiet_start, rules.quiet_end) == (time(21), time(8)) and not rules.workdays_only


def test_micro_lesson_reminders(campaign, rules):
    occurrences = pick(plan(campaign, rules), "micro-lesson")
    assert [(o.rule_id, o.due_at) for o in occurrences] == [
        ("deadline-before-7", at(2009, 5, 13)), ("deadline-before-3", at(2009, 5, 17)),
        ("deadline-before-1", at(2009, 5, 19)), ("deadline-day", at(2009, 5, 20)),
    ]
    assert all(o.due_at.tzinfo is CAMPAIGN_TZ for o in occurrences)
    first = render(occurrences[0], 2)
    assert "全国优秀微型党课教案征集评选" in first and "5月20日前" in first and "还有7天" in first
    assert first.endswith("——《培训提纲》一、（二）8")
    assert "今天（5月20日）截止" in render(occurrences[-1], None)


def test_stage_starts_and_ends(campaign, rules):
    occurrences = plan(campaign, rules)
    starts = [(o.subject_id, o.due_at) for o in occurrences if o.rule_id == "stage-start"]
    assert starts == [("study", at(2009, 3, 11)), ("analysis", at(2009, 5, 1)), ("rectify", at(2009, 6, 21))]
    ends = [(o.rule_id, o.due_at) for o in pick(occurrences, "analysis", "stage-end")]
    assert ends == [("stage-end-before-7", at(2009, 6, 13)), ("stage-end-before-3", at(2009, 6, 17)),
                    ("stage-end-before-1", at(2009, 6, 19)), ("stage-end-day", at(2009, 6, 20))]
    start_text = render(pick(occurrences, "analysis", "stage-start")[0], 1)
    assert "第二阶段「分析检查」" in start_text and "今天开始" in start_text and "6月20日结束" in start_text
    assert "5月20日前 全国优秀微型党课教案征集评选" in start_text
    last_day = render(pick(occurrences, "study", "stage-end-day")[0], None)
    assert "今天（4月30日）结束" in last_day and "明天进入第二阶段「分析检查」" in last_day


def test_counts_for_the_whole_campaign(campaign, rules):
    occurrences = plan(campaign, rules)
    counts = Counter(o.rule_id for o in occurrences)
    deadlines, stages = len(campaign.deadlines), len(campaign.stages)
    assert deadlines == 13 and stages == 3
    assert counts == {
        "deadline-before-7": deadlines, "deadline-before-3": deadlines, "deadline-before-1": deadlines,
        "deadline-day": deadlines, "stage-start": stages, "stage-end-before-7": stages,
        "stage-end-before-3": stages, "stage-end-before-1": stages, "stage-end-day": stages,
        "weekly-digest": 5,
    }
    assert occurrences == sorted(occurrences, key=lambda o: (o.due_at, o.rule_id, o.subject_id))
    assert all(campaign.start <= o.due_at.date() <= campaign.end for o in occurrences)


def test_plan_is_deterministic_and_keys_are_unique_and_stable(campaign, rules):
    first, second = plan(campaign, rules), plan(campaign, rules)
    assert first == second
    keys = [o.key("wecom:grp-1") for o in first]
    assert len(set(keys)) == len(keys) == len(first)
    assert keys == [o.key("wecom:grp-1") for o in second]
    assert len({(o.rule_id, o.subject_id, o.due_at) for o in first}) == len(first)
    micro = pick(first, "micro-lesson", "deadline-before-3")[0]
    assert micro.key("wecom:grp-1") == "deadline-before-3|micro-lesson|wecom:grp-1|2009-05-17T09:00:00+08:00"
    assert micro.key("a") != micro.key("b")
    with pytest.raises(ValueError):
        micro.key("bad|key")


def test_every_text_fits_and_names_its_source(campaign, rules):
    for occurrence in plan(campaign, rules):
        for category in (None, 1, 2):
            if applies_to(occurrence, category):
                text = render(occurrence, category)
                assert len(text.encode("utf-8")) <= MAX_TEXT_BYTES
                assert text.splitlines()[-1].startswith("——《培训提纲》")


def test_switching_rules_off(campaign, rules):
    quiet = replace(rules, deadline_before=False, stage_end_before=False, stage_end_day=False, weekly_digest=False)
    assert Counter(o.rule_id for o in plan(campaign, quiet)) == {"deadline-day": 13, "stage-start": 3}
    custom = replace(rules, deadline_days_before=(2,), stage_end_days_before=())
    ids = {o.rule_id for o in plan(campaign, custom)}
    assert "deadline-before-2" in ids and not {"deadline-before-7", "stage-end-before-7"} & ids


def test_preview_filters_by_rule_family_and_category(campaign, rules):
    everything = preview(campaign, rules)
    assert len(everything) == len(plan(campaign, rules))
    assert all(text == occ.text for occ, text in everything)
    before = preview(campaign, rules, "deadline-before")
    assert {o.rule_id for o, _ in before} == {"deadline-before-7", "deadline-before-3", "deadline-before-1"}
    assert {o.rule_id for o, _ in preview(campaign, rules, "deadline-before-3")} == {"deadline-before-3"}
    for occ, text in preview(campaign, rules, "deadline-day", category=2):
        assert applies_to(occ, 2) and text == render(occ, 2)


# ---------------------------------------------------------------- weekly digest

def test_weekly_digest_on_mondays_with_that_weeks_deadlines(campaign, rules):
    digests = [o for o in plan(campaign, rules) if o.rule_id == "weekly-digest"]
    assert [(o.subject_id, o.due_at) for o in digests] == [
        ("2009-W18", at(2009, 4, 27)), ("2009-W21", at(2009, 5, 18)), ("2009-W25", at(2009, 6, 15)),
        ("2009-W27", at(2009, 6, 29)), ("2009-W34", at(2009, 8, 17)),
    ]
    assert all(o.due_at.weekday() == 0 and campaign.start <= o.due_at.date() <= campaign.end for o in digests)
    w21 = render(digests[1], None)
    assert "5月18日—5月24日" in w21 and "5月20日（周三）前 全国优秀微型党课教案征集评选" in w21
    assert "心得体会" not in w21 and "分析检查" not in w21 and "演讲会" not in w21
    w27 = render(digests[3], 1)
    assert "6月30日（周二）前 解放思想演讲会" in w27 and "6月20日" not in w27
    w18 = render(digests[0], 2)
    assert w18.count("\n· ") == 5 and "调查材料" in w18 and "调研报告" not in w18


def test_digest_is_cut_to_the_text_limit(tmp_path):
    body = STAGE.format(period="5月上旬-5月下旬") + "".join(
        DEADLINE.format(id=f"d{n:02d}", name=f"第{n}项很长很长很长很长很长很长很长很长很长很长的材料", period="5月20日之前")
        for n in range(60))
    occurrences = plan(make_campaign(tmp_path, body), ReminderRules())
    digest = next(o for o in occurrences if o.rule_id == "weekly-digest")
    text = render(digest, None)
    assert len(text.encode("utf-8")) <= MAX_TEXT_BYTES
    assert "另有" in text and text.splitlines()[-1] == "——《培训提纲》一、（二）1"


# ---------------------------------------------------------------- quiet hours and working days

def test_quiet_hours_move_to_the_next_morning(campaign, rules):
    late = plan(campaign, replace(rules, send_time=time(22, 30)))
    assert [o.due_at for o in pick(late, "micro-lesson")] == [
        at(2009, 5, 14, 8), at(2009, 5, 18, 8), at(2009, 5, 20, 8), at(2009, 5, 21, 8)]
    assert "已于5月20日截止" in render(pick(late, "micro-lesson", "deadline-day")[0], None)
    early = plan(campaign, replace(rules, send_time=time(6, 15)))
    assert pick(early, "micro-lesson", "deadline-day")[0].due_at == at(2009, 5, 20, 8)
    edge = plan(campaign, replace(rules, send_time=time(21, 0)))
    assert pick(edge, "micro-lesson", "deadline-day")[0].due_at == at(2009, 5, 21, 8)
    end = plan(campaign, replace(rules, send_time=time(8, 0)))
    assert pick(end, "micro-lesson", "deadline-day")[0].due_at == at(2009, 5, 20, 8)
    off = plan(campaign, replace(rules, send_time=time(22, 30), quiet_hours=False))
    assert pick(off, "micro-lesson", "deadline-day")[0].due_at == at(2009, 5, 20, 22, 30)
    noon = plan(campaign, replace(rules, send_time=time(13), quiet_start=time(12), quiet_end=time(14)))
    assert pick(noon, "micro-lesson", "deadline-day")[0].due_at == at(2009, 5, 20, 14)


def test_chinese_calendar_knows_2009():
    assert not chinese_calendar.is_workday(date(2009, 5, 16))  # Saturday
    assert chinese_calendar.is_workday(date(2009, 5, 15))
    assert [chinese_calendar.is_workday(date(2009, 5, d)) for d in (1, 2, 3, 4)] == [False, False, False, True]
    assert [chinese_calendar.is_workday(date(2009, 5, d)) for d in (27, 28, 29, 30, 31)] == \
        [True, False, False, False, True]  # 端午 5-28..30; Sunday 5-31 was a make-up working day


def test_workdays_only_moves_to_the_previous_working_day(campaign, rules):
    workdays = replace(rules, workdays_only=True)
    saturday = plan(campaign, replace(workdays, deadline_days_before=(4,)))  # 5-16 is a Saturday
    assert [o.due_at for o in pick(saturday, "micro-lesson", "deadline-before")] == [at(2009, 5, 15)]
    # before-4 (Sat) and before-3 (Sun) both land on Friday 5-15: only the more urgent one is kept
    both = plan(campaign, replace(workdays, deadline_days_before=(4, 3)))
    assert [(o.rule_id, o.due_at) for o in pick(both, "micro-lesson", "deadline-before")] == \
        [("deadline-before-3", at(2009, 5, 15))]
    assert "还有5天" in render(pick(both, "micro-lesson", "deadline-before")[0], None)
    occurrences = plan(campaign, workdays)
    # 劳动节: stage two starts on Friday 5-01, a holiday → Thursday 4-30
    analysis = pick(occurrences, "analysis", "stage-start")[0]
    assert analysis.due_at == at(2009, 4, 30)
    assert "将于5月1日开始，还有1天" in render(analysis, None)
    # 6-20 is a Saturday: the day-of reminder moves to Friday 6-19 and absorbs before-1
    day = [(o.rule_id, o.due_at) for o in pick(occurrences, "analysis-report") if o.due_at.date() >= date(2009, 6, 19)]
    assert day == [("deadline-day", at(2009, 6, 19))]
    assert all(chinese_calendar.is_workday(o.due_at.date()) for o in occurrences)
    assert len({(o.subject_id, o.due_at) for o in occurrences if o.rule_id.startswith("deadline")}) == \
        len([o for o in occurrences if o.rule_id.startswith("deadline")])


def test_workdays_around_dragon_boat_and_make_up_day(tmp_path):
    body = STAGE.format(period="5月上旬-6月中旬") + DEADLINE.format(id="d", name="材料", period="6月7日")
    rules = ReminderRules(workdays_only=True, deadline_days_before=(10, 7, 1))
    occurrences = plan(make_campaign(tmp_path, body), rules)
    assert [(o.rule_id, o.due_at) for o in pick(occurrences, "d")] == [
        ("deadline-before-10", at(2009, 5, 27)),  # 5-28 端午 → Wednesday 5-27
        ("deadline-before-7", at(2009, 5, 31)),   # Sunday 5-31 is a make-up working day: kept
        ("deadline-day", at(2009, 6, 5)),         # Saturday 6-06 and Sunday 6-07 → Friday 6-05, one kept
    ]


def test_quiet_hours_then_workdays(tmp_path):
    body = STAGE.format(period="5月上旬-5月下旬") + DEADLINE.format(id="d", name="材料", period="5月15日")
    rules = ReminderRules(workdays_only=True, send_time=time(22, 30), deadline_days_before=())
    # Friday 5-15 22:30 → quiet → Saturday 5-16 08:00 → not a working day → Friday 5-15 08:00
    assert [o.due_at for o in pick(plan(make_campaign(tmp_path, body), rules), "d")] == [at(2009, 5, 15, 8)]


def test_workdays_outside_the_library_years_keep_the_day(tmp_path, caplog):
    body = STAGE.format(period="5月上旬-5月下旬") + DEADLINE.format(id="d", name="材料", period="5月17日")
    campaign = make_campaign(tmp_path, body, year=2003)
    with caplog.at_level(logging.WARNING, logger="scheduler.reminders"):
        occurrences = plan(campaign, ReminderRules(workdays_only=True))
    assert pick(occurrences, "d", "deadline-day")[0].due_at == datetime(2003, 5, 17, 9, tzinfo=CAMPAIGN_TZ)
    assert any("outside chinese_calendar" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- audiences

def test_audience_targeting(campaign, rules):
    occurrences = plan(campaign, rules)
    report = pick(occurrences, "research-report", "deadline-before-7")[0]
    assert applies_to(report, 1) and applies_to(report, 2) and not applies_to(report, None)
    assert "调研报告" in render(report, 1) and "调查材料" not in render(report, 1)
    assert "调查材料" in render(report, 2) and "调研报告" not in render(report, 2)
    with pytest.raises(ValueError):
        render(report, None)
    with pytest.raises(ValueError):
        applies_to(report, 3)
    for subject in ("exchange-meeting", "study-notes", "micro-lesson", "democratic-life", "satisfaction"):
        assert all(applies_to(pick(occurrences, subject)[0], c) for c in (None, 1, 2))
    life = pick(occurrences, "democratic-life")[0]
    assert "两会可合并" in render(life, 2) and "合并" not in render(life, 1) and "第二类" not in render(life, 1)
    study = pick(occurrences, "study", "stage-start")[0]
    assert "调研报告" in render(study, 1) and "调查材料" in render(study, 2)
    assert "调研报告" not in render(study, None) and "调查材料" not in render(study, None)
    assert "心得体会" in render(study, None)


def test_no_group_hears_the_other_categorys_duties(campaign, rules):
    foreign = {1: ("第二类", "调查材料", "分析检查材料", "合并"), 2: ("第一类", "调研报告", "分析检查报告（")}
    for occurrence in plan(campaign, rules):
        for category, words in foreign.items():
            if applies_to(occurrence, category):
                text = render(occurrence, category)
                assert not [w for w in words if w in text], (occurrence.rule_id, occurrence.subject_id, text)
        if applies_to(occurrence, None):  # unknown category: only items for everyone, general wording
            assert "调研报告" not in render(occurrence, None) and "调查材料" not in render(occurrence, None)


def test_digest_audience_is_the_union_of_its_items(tmp_path):
    body = STAGE.format(period="5月上旬-5月下旬") + (
        '[[deadlines]]\nid = "only1"\nname = "一类材料"\nperiod = "5月20日"\naudience = ["第一类单位"]\n'
        'action = "交"\nsource = "一、（二）5"\n')
    occurrences = plan(make_campaign(tmp_path, body), ReminderRules())
    digest = next(o for o in occurrences if o.rule_id == "weekly-digest")
    assert applies_to(digest, 1) and not applies_to(digest, 2) and not applies_to(digest, None)
    stage = pick(occurrences, "s1", "stage-start")[0]
    assert "一类材料" in render(stage, 1) and "一类材料" not in render(stage, 2)


def test_unknown_audience_is_an_error(tmp_path):
    body = STAGE.format(period="5月上旬-5月下旬") + DEADLINE.format(
        id="d", name="材料", period="5月20日").replace('["全体党员"]', '["第一类单"]')
    with pytest.raises(ReminderRulesError) as err:
        plan(make_campaign(tmp_path, body), ReminderRules())
    assert err.value.field == "audience" and "第一类单" in str(err.value) and "d" in str(err.value)


# ---------------------------------------------------------------- calendar edges

@pytest.mark.parametrize("year, last", [(2009, 28), (2008, 29)])
def test_february_and_month_ends(tmp_path, year, last):
    body = STAGE.format(period="2月中旬-3月下旬") + "".join([
        DEADLINE.format(id="feb", name="二月材料", period="2月底之前"),
        DEADLINE.format(id="mar1", name="三月一日材料", period="3月1日"),
        DEADLINE.format(id="mar31", name="三月底材料", period="3月底之前"),
        DEADLINE.format(id="early", name="太早的材料", period="2月15日"),
    ])
    occurrences = plan(make_campaign(tmp_path, body, year=year), ReminderRules())

    def days(subject):
        return [o.due_at.date() for o in pick(occurrences, subject, "deadline")]

    assert days("feb") == [date(year, 2, last - 7), date(year, 2, last - 3), date(year, 2, last - 1),
                           date(year, 2, last)]
    assert days("mar1") == [date(year, 3, 1) - timedelta(days=n) for n in (7, 3, 1, 0)]
    assert days("mar1")[-2] == date(year, 2, last)
    assert days("mar31") == [date(year, 3, 24), date(year, 3, 28), date(year, 3, 30), date(year, 3, 31)]
    # the campaign starts 2-11: "7 days before 2-15" (2-08) is not planned, "3 days before" (2-12) is
    assert days("early") == [date(year, 2, 12), date(year, 2, 14), date(year, 2, 15)]
    ends = [o.due_at.date() for o in pick(occurrences, "s1", "stage-end")]
    assert ends == [date(year, 3, 24), date(year, 3, 28), date(year, 3, 30), date(year, 3, 31)]


def test_stage_end_reminders_not_before_the_stage_starts(tmp_path):
    body = STAGE.format(period="5月1日-5月5日")
    occurrences = plan(make_campaign(tmp_path, body), ReminderRules())
    assert [(o.rule_id, o.due_at.date()) for o in occurrences] == [
        ("stage-start", date(2009, 5, 1)), ("stage-end-before-3", date(2009, 5, 2)),
        ("stage-end-before-1", date(2009, 5, 4)), ("stage-end-day", date(2009, 5, 5))]
    assert "请对照本阶段任务查漏补缺" in render(occurrences[1], None)


def test_digest_week_across_a_month_end(tmp_path):
    body = STAGE.format(period="2月中旬-3月下旬") + DEADLINE.format(id="feb", name="二月材料", period="2月底之前") + \
        DEADLINE.format(id="mar1", name="三月一日材料", period="3月1日")
    digests = [o for o in plan(make_campaign(tmp_path, body), ReminderRules()) if o.rule_id == "weekly-digest"]
    assert [(o.subject_id, o.due_at.date()) for o in digests] == [("2009-W09", date(2009, 2, 23))]
    text = render(digests[0], 2)
    assert "2月23日—3月1日" in text and "2月28日（周六）前 二月材料" in text and "3月1日（周日）前 三月一日材料" in text


# ---------------------------------------------------------------- the rules file

def test_rules_file_with_overrides(tmp_path, campaign):
    path = write_rules(tmp_path, """
timezone = "Asia/Shanghai"
send_time = "10:30"
days_before = [5, 2]
workdays_only = true
[deadline_before]
days_before = [1]
[deadline_day]
enabled = false
[weekly_digest]
enabled = false
[quiet_hours]
start = 22:00:00
end = 07:00:00
""")
    rules = load_rules(path)
    assert rules.send_time == time(10, 30) and rules.deadline_days_before == (1,)
    assert rules.stage_end_days_before == (5, 2) and not rules.deadline_day and not rules.weekly_digest
    assert (rules.quiet_start, rules.quiet_end) == (time(22), time(7)) and rules.workdays_only
    ids = {o.rule_id for o in plan(campaign, rules)}
    assert ids == {"deadline-before-1", "stage-start", "stage-end-before-5", "stage-end-before-2", "stage-end-day"}


@pytest.mark.parametrize("text, field", [
    ('send_time = "9点"', "send_time"),
    ('send_time = "25:00"', "send_time"),
    ("days_before = [7, 0]", "days_before"),
    ("days_before = [3, 3]", "days_before"),
    ('days_before = "7,3,1"', "days_before"),
    ("[deadline_before]\ndays_before = [-1]", "deadline_before.days_before"),
    ('timezone = "Mars/Olympus"', "timezone"),
    ('workdays_only = "yes"', "workdays_only"),
    ("[quiet_hours]\nstart = \"晚上九点\"", "quiet_hours.start"),
    ('[quiet_hours]\nstart = "08:00"\nend = "08:00"', "quiet_hours"),
    ("[stage_start]\nenabled = 1", "stage_start.enabled"),
    ("[quiet_hour]\nenabled = false", "quiet_hour"),
    ("[weekly_digest]\nweekday = 1", "weekly_digest.weekday"),
    ("stage_start = true", "stage_start"),
])
def test_rules_file_errors_name_the_field(tmp_path, text, field):
    with pytest.raises(ReminderRulesError) as err:
        load_rules(write_rules(tmp_path, text))
    assert err.value.field == field and field in str(err.value)


def test_rules_file_missing_or_broken(tmp_path):
    with pytest.raises(ReminderRulesError, match="找不到提醒规则文件"):
        load_rules(tmp_path / "nope.toml")
    with pytest.raises(ReminderRulesError, match="格式有误"):
        load_rules(write_rules(tmp_path, "send_time = "))
