"""The whole assistant through ``privacybot converse``: model, policies, real action server.

All scenario conversations run in one batch (one model load) and each test reads its own.
"""

from __future__ import annotations

import json

import pytest
import yaml

from bot.core import paths
from tests.conftest import converse

DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
TOPIC_BUTTONS = DOMAIN["responses"]["utter_greet"][0]["buttons"]

SCENARIOS = {
    "greet": ["hallo"],
    "recordings-then-how-long": ["worden de telefoongesprekken met jullie klantendienst opgenomen?", "en hoe lang?"],
    "data-then-how-long": ["welke persoonsgegevens verzamelen jullie eigenlijk", "en hoelang?"],
    "right-then-how": ["heb ik het recht om mijn gegevens te laten wissen?", "hoe doe ik dat?"],
    "complaint-then-how": ["kan ik klacht indienen bij de gegevensbeschermingsautoriteit", "hoe doe ik dat?"],
    "retention": ["hoe lang bewaren jullie mijn gegevens?"],
    "two-misses": ["wie wint de champions league dit jaar", "geef me een recept voor stoofvlees met friet"],
    "miss-then-question": ["wat is de hoofdstad van peru", "verkopen jullie mijn gegevens?"],
    "robot": ["ben jij een robot?"],
    "human": ["kan ik met een echte medewerker spreken?"],
    "help": ["wat kan je allemaal?"],
    "thanks-bye": ["merci!", "salukes"],
    "erasure-request": ["verwijder al mijn gegevens uit jullie systemen"],
    "unsubscribe": ["ik wil geen nieuwsbrief meer ontvangen"],
    "insurance": ["hoeveel kost een autoverzekering bij jullie?"],
    "empty": [""],
    "whitespace": ["   \n  "],
    "emoji": ["😀😀🎉"],
    "very-long": ["ik heb een vraag over mijn gegevens " * 300],
    "html": ["<script>alert('x')</script><img src=x onerror=alert(1)>"],
    "english": ["how long do you keep my personal data?"],
    "french": ["bonjour, je voudrais supprimer mes données personnelles"],
    "buttons": [button["payload"] for button in TOPIC_BUTTONS],
}

MALFORMED = [
    "{dit is geen json",
    json.dumps({"id": "zonder-berichten"}),
    json.dumps({"id": "cijfers", "messages": [1, 2]}),
    json.dumps(["lijst"]),
]


@pytest.fixture(scope="module")
def batch(trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("converse")
    conversations = [
        json.dumps({"id": key, "messages": messages}, ensure_ascii=False) for key, messages in SCENARIOS.items()
    ]
    # malformed lines sit between valid ones: everything after them must still be processed
    lines = conversations[:3] + MALFORMED + conversations[3:]
    results, proc = converse([], tmp, extra_lines=lines)
    return results, proc


def turns(batch, key):
    results, _ = batch
    return results[key]["turns"]


OPENS_A_FORM = {"erasure-request", "unsubscribe", "buttons"}


def test_every_conversation_is_answered_in_the_output_format(batch):
    results, proc = batch
    assert set(results) == set(SCENARIOS), proc.stderr[-2000:]
    for key, record in results.items():
        assert len(record["turns"]) == len(SCENARIOS[key])
        for turn in record["turns"]:
            assert set(turn) == {
                "user",
                "intent",
                "confidence",
                "response_key",
                "bot",
                "buttons",
                "slots",
                "active_loop",
                "outcome",
                "ranking",
            }
            assert turn["bot"], f"{key}: no reply to {turn['user']!r}"
            # Only a request or unsubscribe opens a form (tests/system/test_forms.py follows those).
            assert turn["active_loop"] in (
                {None} if key not in OPENS_A_FORM else {None, "rights_request_form", "unsubscribe_form"}
            )


def test_malformed_lines_are_reported_by_line_number_and_skipped(batch):
    _, proc = batch
    assert proc.returncode == 1
    for number in (4, 5, 6, 7):  # three valid lines come first
        assert f"regel {number}:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_greeting_with_topic_buttons(batch):
    [turn] = turns(batch, "greet")
    assert turn["intent"] == "greet"
    assert turn["bot"][0].startswith("Hallo 👋 Hoe kunnen we je helpen?")
    assert len(turn["buttons"]) >= 5


def test_how_long_after_call_recordings_is_about_recordings(batch):
    first, second = turns(batch, "recordings-then-how-long")
    assert first["response_key"] == "faq/call_recording"
    assert first["slots"]["topic"] == "call_recording"
    assert second["intent"] == "ask_followup_duration"
    assert "6 maanden" in second["bot"][0] and "10 jaar" not in second["bot"][0]


def test_how_long_after_another_topic_is_general_retention(batch):
    first, second = turns(batch, "data-then-how-long")
    assert first["intent"] == "faq"
    assert "10 jaar" in second["bot"][0]


def test_how_do_i_do_that_after_a_right_explains_that_right(batch):
    first, second = turns(batch, "right-then-how")
    assert first["response_key"] == "faq/right_erasure"
    assert second["intent"] == "ask_followup_how"
    assert "Wissing" in second["bot"][0] and "privacy@kmo-verzekeringen.be" in second["bot"][0]


def test_how_do_i_complain_points_to_the_authority(batch):
    first, second = turns(batch, "complaint-then-how")
    assert first["response_key"] == "faq/right_complaint"
    assert "Drukpersstraat 35, 1000 Brussel" in second["bot"][0]


def test_retention_answer(batch):
    [turn] = turns(batch, "retention")
    assert turn["response_key"] == "faq/retention" and turn["confidence"] > 0.5
    assert "10 jaar" in turn["bot"][0]


def test_two_misses_in_a_row_offer_a_human_route(batch):
    """Two messages in a row without an answer: the second reply names where a person helps. An
    off-topic one (understood as such) gets the broker's contact route, since the privacy mailbox
    is the wrong desk for a recipe (issue 16); one not understood at all gets the privacy mailbox."""
    first, second = turns(batch, "two-misses")
    assert first["intent"] in {"out_of_scope", "nlu_fallback"}
    assert first["buttons"] and "privacy@" not in first["bot"][0]
    if second["intent"] == "out_of_scope":
        assert "info@republico.be" in second["bot"][0] and "/#contact" in second["bot"][0]
    else:
        assert "privacy@kmo-verzekeringen.be" in second["bot"][0]


def test_a_question_after_a_miss_is_answered(batch):
    first, second = turns(batch, "miss-then-question")
    assert first["buttons"]
    assert second["response_key"] == "faq/selling_data"
    assert second["bot"][0].startswith("Nee")


@pytest.mark.parametrize(
    "key, intent, phrase",
    [
        ("robot", "bot_challenge", "automatische assistent"),
        ("human", "human_handoff", "privacy@kmo-verzekeringen.be"),
        ("help", "help", "Kies een onderwerp"),
        ("erasure-request", "request_erasure", "voor- en achternaam"),
        ("unsubscribe", "unsubscribe", "Op welk e-mailadres"),
        ("insurance", "insurance_question", "alleen vragen over privacy"),
        ("english", "other_language", "Nederlands"),
        ("french", "other_language", "Nederlands"),
    ],
)
def test_single_turn_intents(batch, key, intent, phrase):
    [turn] = turns(batch, key)
    assert turn["intent"] == intent
    assert phrase in " ".join(turn["bot"])


def test_thanks_and_goodbye(batch):
    thanks, bye = turns(batch, "thanks-bye")
    assert thanks["intent"] == "thank" and bye["intent"] == "goodbye"


@pytest.mark.parametrize(
    "key, phrase",
    [
        ("empty", "leeg"),
        ("whitespace", "leeg"),
        ("emoji", "geen woorden"),
        ("very-long", "1000 tekens"),
    ],
)
def test_bad_input_gets_a_polite_dutch_reply(batch, key, phrase):
    [turn] = turns(batch, key)
    assert turn["intent"] == "nlu_fallback"
    assert phrase in turn["bot"][0]


def test_html_is_neither_echoed_nor_fatal(batch):
    [turn] = turns(batch, "html")
    assert turn["bot"] and all("<" not in text for text in turn["bot"])


def test_every_topic_button_leads_to_an_answer(batch):
    for button, turn in zip(TOPIC_BUTTONS, turns(batch, "buttons"), strict=False):
        assert turn["intent"] in {"faq", "unsubscribe"}, (button, turn["intent"])
        assert turn["confidence"] > 0.5
