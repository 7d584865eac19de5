"""Answer or ask: the decision on the topic ranking, the button that names a topic, and the
messages an answer and a question become (source link, offers, options)."""

from __future__ import annotations

import pytest
import yaml

from bot.core import paths, settings
from bot.dialogue import answer_choice, answers, outcomes, policy_sections, topic_catalogue
from bot.dialogue.answer_choice import ANSWER, CLARIFY

DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))


def parse(ranking, entities=()):
    return {
        "intent": {"name": "faq", "confidence": 1.0},
        "entities": list(entities),
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{key}", "confidence": conf} for key, conf in ranking]}
        },
    }


def test_a_clear_winner_is_answered():
    choice = answer_choice.choose(parse([("retention", 0.93), ("retention_recordings", 0.04)]))
    assert choice.kind == ANSWER and choice.topics == ("retention",)


def test_two_close_topics_are_asked_about_likeliest_first():
    choice = answer_choice.choose(
        parse([("recipients", 0.46), ("suppliers", 0.40), ("selling_data", 0.09), ("fraud", 0.01)])
    )
    assert choice.kind == CLARIFY and choice.topics == ("recipients", "suppliers", "selling_data")


def test_a_low_confidence_topic_is_asked_about_even_without_a_rival():
    choice = answer_choice.choose(parse([("security", answer_choice.ANSWER_CONFIDENCE - 0.01), ("fraud", 0.01)]))
    assert choice.kind == CLARIFY and choice.topics == ("security",)


def test_the_thresholds_are_the_boundary():
    sure = answer_choice.ANSWER_CONFIDENCE
    assert answer_choice.decide([("fraud", sure), ("statistics", 0.0)]).kind == ANSWER
    close = [("fraud", 0.9), ("statistics", 0.9 - answer_choice.ANSWER_MARGIN + 0.01)]
    assert answer_choice.decide(close).kind == CLARIFY


def test_a_button_names_its_topic_and_beats_the_ranking():
    entity = {"entity": answer_choice.TOPIC_ENTITY, "value": "right_access"}
    choice = answer_choice.choose(parse([("retention", 0.99)], [entity]))
    assert choice.kind == ANSWER and choice.topics == ("right_access",)


def test_an_unknown_topic_from_a_crafted_payload_is_ignored():
    entity = {"entity": answer_choice.TOPIC_ENTITY, "value": "../../etc"}
    assert answer_choice.chosen_topic(parse([], [entity])) is None
    assert answer_choice.choose(parse([], [entity])) is None


def test_every_answer_links_to_its_part_of_the_statement():
    anchors = policy_sections.statement().anchors()
    for key, entry in topic_catalogue.TOPICS.items():
        reply = answers.answer(key, "Tekst.", months=6)
        assert entry.anchor in anchors, key
        assert settings.privacy_page_url(entry.anchor) in reply.text, key
        assert reply.response == f"utter_faq/{key}"


@pytest.mark.parametrize("key", sorted(k for k, t in topic_catalogue.TOPICS.items() if t.offer))
def test_an_answer_about_a_right_offers_to_register_it_here(key):
    reply = answers.answer(key, "Tekst.")
    offer = topic_catalogue.TOPICS[key].offer
    assert reply.buttons == [{"title": topic_catalogue.OFFER_TITLES[offer], "payload": f"/{offer}"}]
    assert "hier in de chat" in reply.text
    assert offer in DOMAIN["intents"]


def test_every_right_has_an_offer():
    for key in topic_catalogue.TOPICS:
        if key.startswith("right_") and key != "right_complaint":
            assert topic_catalogue.TOPICS[key].offer, key


def test_the_question_offers_the_options_and_something_else():
    reply = answers.clarify("Bedoel je...?", ("recipients", "suppliers"))
    assert reply.response == answers.CLARIFY_RESPONSE
    assert [b["payload"] for b in reply.buttons] == [
        answers.topic_payload("recipients"),
        answers.topic_payload("suppliers"),
        answers.CLARIFY_OTHER_PAYLOAD,
    ]
    assert reply.buttons[0]["title"] == topic_catalogue.TOPICS["recipients"].title


def test_a_topic_button_is_read_back_and_anything_else_is_not():
    assert answers.topic_payload("retention") == '/faq{"faq_topic": "retention"}'
    assert answers.payload_topic(answers.topic_payload("retention")) == "retention"
    for other in ("/request_access", "/faq{kapot", '/faq["x"]', '/faq{"faq_topic": 3}'):
        assert answers.payload_topic(other) is None


def test_catalogue_and_domain_list_the_same_topics():
    answered = {name.removeprefix("utter_faq/") for name in DOMAIN["responses"] if name.startswith("utter_faq/")}
    assert answered == set(topic_catalogue.TOPICS)
    assert answer_choice.TOPIC_ENTITY in DOMAIN["entities"]


def test_silent_topics_say_that_the_statement_does_not_answer():
    for key, entry in topic_catalogue.TOPICS.items():
        text = DOMAIN["responses"][f"utter_faq/{key}"][0]["text"]
        says_silent = any(
            p in text
            for p in (
                "staat niet in het privacystatement",
                "zegt niets",
                "zegt niet",
                "vermeldt geen",
                "beschrijft geen",
            )
        )
        # A topic the statement is silent on says so (others may still name a gap, as
        # partner_insurers does for the insurers' names), and says where to ask.
        if entry.silent:
            assert says_silent and "privacy@kmo-verzekeringen.be" in text, key


@pytest.mark.parametrize(
    "responses, loop, request_type, expected",
    [
        (["utter_faq/retention"], None, None, "answer:faq/retention"),
        (["utter_clarify"], None, None, "ask:clarify"),
        ([], "rights_request_form", "access", "form:request_access"),
        ([], "rights_request_form", None, "ask:request_right"),
        (["utter_ask_unsubscribe_channel"], "unsubscribe_form", None, "form:unsubscribe"),
        (["utter_insurance_question"], None, None, "deflect:deflect"),
        (["utter_default"], None, None, "fallback"),
        (["utter_greet"], None, None, "smalltalk:greet"),
    ],
)
def test_outcome_of_a_turn(responses, loop, request_type, expected):
    assert outcomes.classify(responses, loop, request_type).as_text() == expected


def test_only_committed_outcomes_can_be_confidently_wrong():
    assert outcomes.is_confidently_wrong(outcomes.Outcome("answer", "faq/fraud"), ["faq/retention"])
    assert not outcomes.is_confidently_wrong(outcomes.Outcome("ask", "clarify"), ["faq/retention"])
    assert outcomes.is_right(outcomes.Outcome("form", "request_access"), ["faq/right_access", "request_access"])


def test_the_retraining_inbox_sees_the_doubt_about_the_topic():
    """Intent faq at 1.0 with a topic at 0.3 is an unsure message for the inbox."""
    from bot.nlu import inbox

    unsure = parse([("retention", 0.3), ("fraud", 0.25)])
    assert inbox._confidence(unsure) == pytest.approx(0.3)
    sure = {"intent": {"name": "greet", "confidence": 0.97}}
    assert inbox._confidence(sure) == pytest.approx(0.97)
