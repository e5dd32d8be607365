"""Category-aware answers: in a group of a known unit category, the category's own rule leads."""

from pathlib import Path

import pytest

from bot.service import ONE_SHOT_PLATFORM, Service
from bot.settings import load_settings
from faq.answers import SOURCE_PREFIX
from faq.kb import KnowledgeBaseError, load_kb


@pytest.fixture
def service_for(make_settings, shared_matcher):
    made = []

    def build(category):
        svc = Service(make_settings(), matcher=shared_matcher, default_category=category)
        made.append(svc)
        return svc

    yield build
    for svc in made:
        svc.close()


def test_committed_category_rules_are_quoted_from_their_answers(shared_matcher):
    items = [i for i in shared_matcher.kb.items if i.category_1 or i.category_2]
    assert len(items) >= 8
    for item in items:
        assert item.category_1 in item.answer and item.category_2 in item.answer
        assert "第一类" in item.category_1 and "第二类" in item.category_2


@pytest.mark.parametrize(
    ("category", "lead"),
    [(1, "【第一类单位】第一类单位的群众代表人数不少于30名。"), (2, "【第二类单位】第二类单位的群众代表人数不少于15名。")],
)
def test_representatives_answer_leads_with_the_category_rule(service_for, category, lead):
    reply = service_for(category).ask("单位里群众代表最少得有几个人", platform=ONE_SHOT_PLATFORM)
    assert reply.intent == "faq" and reply.meta["faq_id"] == "prep-representatives"
    assert reply.text.startswith(lead)
    assert reply.text.rstrip().endswith(f"{SOURCE_PREFIX}一、（一）6")
    # The whole answer still follows, word for word.
    assert "第一类单位的群众代表人数不少于30名，第二类单位的群众代表人数不少于15名" in reply.text


def test_without_a_category_the_answer_is_unchanged(service_for):
    reply = service_for(None).ask("单位里群众代表最少得有几个人", platform=ONE_SHOT_PLATFORM)
    assert not reply.text.startswith("【")


def test_an_excerpt_not_in_the_answer_is_refused(tmp_path: Path):
    text = load_settings().faq_path.read_text(encoding="utf-8")
    broken = text.replace('category_2 = "第二类单位可两会合并"', 'category_2 = "第二类单位必须分开开"', 1)
    assert broken != text
    path = tmp_path / "faq.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="word for word"):
        load_kb(path)
