"""DingTalk signatures: the computed vectors of platform-facts §8.2 (header and URL form) and the HTTP
mode's receive-side rules (one hour either way, constant-time comparison, the right secret only)."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from bot.platforms.dingtalk_message import SIGNATURE_WINDOW_MS, sign, signature_problem
from scheduler.channels import dingtalk_signed_url

VECTORS = [
    (1577262236757, "this is secret", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
     "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
    (1613630252678, "this is secret", "ox3TIxJl5LKAZgITvxdK9KQb2dYy1I7VnAl6A9NnXDg=",
     "ox3TIxJl5LKAZgITvxdK9KQb2dYy1I7VnAl6A9NnXDg%3D"),
    (1700000000000, "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
     "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw=", "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D"),
]
TS, SECRET, HEADER_SIGN, _ = VECTORS[0]


@pytest.mark.parametrize(("timestamp", "secret", "header_form", "url_form"), VECTORS)
def test_sign_matches_the_vectors(timestamp: int, secret: str, header_form: str, url_form: str) -> None:
    assert sign(secret, timestamp) == header_form
    assert sign(secret, str(timestamp)) == header_form
    assert quote_plus(sign(secret, timestamp)) == url_form


def test_signed_custom_robot_url_matches_row_three() -> None:
    timestamp, secret, _, url_form = VECTORS[2]
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=TOKEN", secret, timestamp)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp={timestamp}&sign={url_form}"


@pytest.mark.parametrize(("timestamp", "secret", "header_form", "url_form"), VECTORS)
def test_each_vector_is_accepted_at_its_own_time(timestamp: int, secret: str, header_form: str, url_form: str) -> None:
    assert signature_problem(secret, str(timestamp), header_form, now_ms=timestamp) is None


@pytest.mark.parametrize("offset_s", [3599, -3599, 0])
def test_accepted_within_the_hour(offset_s: int) -> None:
    assert signature_problem(SECRET, str(TS), HEADER_SIGN, now_ms=TS + offset_s * 1000) is None


def test_the_hour_itself_is_the_last_accepted_instant() -> None:
    assert signature_problem(SECRET, str(TS), HEADER_SIGN, now_ms=TS + SIGNATURE_WINDOW_MS) is None
    assert signature_problem(SECRET, str(TS), HEADER_SIGN, now_ms=TS + SIGNATURE_WINDOW_MS + 1) is not None


@pytest.mark.parametrize("offset_s", [3601, -3601, 2 * 3600, -86_400])
def test_refused_outside_the_hour_even_with_a_correct_sign(offset_s: int) -> None:
    problem = signature_problem(SECRET, str(TS), HEADER_SIGN, now_ms=TS + offset_s * 1000)
    assert problem is not None and "hour" in problem


@pytest.mark.parametrize("other_secret", ["this is secreT", "this is secret ", "", "SEC" + "0" * 61])
def test_refused_with_another_secret(other_secret: str) -> None:
    assert signature_problem(other_secret, str(TS), HEADER_SIGN, now_ms=TS) == "sign does not match"


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, HEADER_SIGN),
        (str(TS), None),
        ("", ""),
        (f"{TS}.0", HEADER_SIGN),  # not plain milliseconds
        (f"-{TS}", HEADER_SIGN),
        (str(TS + 1), HEADER_SIGN),  # the sign covers the timestamp
        (str(TS), quote_plus(HEADER_SIGN)),  # the URL form is not the header form
        (str(TS), HEADER_SIGN[:-2]),
        (str(TS), "签名"),
    ],
)
def test_refused_when_headers_are_missing_or_altered(timestamp: str | None, signature: str | None) -> None:
    assert signature_problem(SECRET, timestamp, signature, now_ms=TS) is not None
