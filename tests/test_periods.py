"""The Chinese period phrase parser, on every phrase the outline uses and on edge cases."""

from datetime import date

import pytest

from scheduler.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    ("phrase", "start", "end", "deadline"),
    [
        # The outline's own phrases (2009).
        ("3月中旬-4月下旬", date(2009, 3, 11), date(2009, 4, 30), False),
        ("5月上旬-6月中旬", date(2009, 5, 1), date(2009, 6, 20), False),
        ("6月下旬-8月中旬", date(2009, 6, 21), date(2009, 8, 31 - 11), False),
        ("4月底之前", date(2009, 4, 30), date(2009, 4, 30), True),
        ("5月中旬之前", date(2009, 5, 11), date(2009, 5, 20), True),
        ("6月", date(2009, 6, 1), date(2009, 6, 30), False),
        # Month lengths: February of a common year, 31-day months.
        ("2月下旬", date(2009, 2, 21), date(2009, 2, 28), False),
        ("2月底前", date(2009, 2, 28), date(2009, 2, 28), True),
        ("7月下旬", date(2009, 7, 21), date(2009, 7, 31), False),
        ("12月底", date(2009, 12, 31), date(2009, 12, 31), False),
        # Ranges across months, other separators, a range inside one month, Chinese numerals.
        ("11月下旬至12月上旬", date(2009, 11, 21), date(2009, 12, 10), False),
        ("5月上旬到中旬", date(2009, 5, 1), date(2009, 5, 20), False),
        ("三月中旬－四月下旬", date(2009, 3, 11), date(2009, 4, 30), False),
        ("十月初", date(2009, 10, 1), date(2009, 10, 10), False),
        ("5月20日以前", date(2009, 5, 20), date(2009, 5, 20), True),
        (" 3月 中旬 ", date(2009, 3, 11), date(2009, 3, 20), False),
    ],
)
def test_phrases(phrase, start, end, deadline):
    window = parse_period(phrase, 2009)
    assert (window.start, window.end, window.is_deadline) == (start, end, deadline)
    assert window.due == end


def test_leap_year_february():
    assert parse_period("2月下旬", 2008).end == date(2008, 2, 29)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [("", "为空"), ("13月", "月份"), ("下旬", "月份"), ("2月30日", "没有"), ("5月-3月", "早于"),
     ("明年春天", "看不懂"), ("3月-4月-5月", "一个起止")],
)
def test_bad_phrases_explain_themselves(phrase, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(phrase, 2009)
