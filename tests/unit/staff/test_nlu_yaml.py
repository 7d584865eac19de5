"""review.nlu_yaml, the one writer of Rasa NLU YAML (the console's annotation export and the
retraining inbox): what it writes must load as Rasa training data with exactly the examples
given, whatever a visitor typed."""

from __future__ import annotations

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.nlu import inbox
from bot.staff import review


def examples(text: str) -> dict:
    """label -> examples, as Rasa itself reads the file."""
    found: dict = {}
    for message in RasaYAMLReader().reads(text).intent_examples:
        label = message.get("intent")
        if message.get("intent_response_key"):
            label = message.get("intent_response_key")
        found.setdefault(label, []).append(message.get("text"))
    return found


def test_blocks_per_label_sorted_faq_topics_keep_their_key():
    text = review.nlu_yaml({"greet": ["hallo"], "faq/retention": ["hoe lang bewaren jullie dat?", "bewaartermijn"]})
    assert yaml.safe_load(text)["version"] == "3.1"
    assert [b["intent"] for b in yaml.safe_load(text)["nlu"]] == ["faq/retention", "greet"]
    assert examples(text) == {"faq/retention": ["hoe lang bewaren jullie dat?", "bewaartermijn"], "greet": ["hallo"]}


def test_comments_stand_above_the_block_never_inside_it():
    text = review.nlu_yaml(
        {"faq/retention": ["hoe lang?"]},
        {"faq/retention": ["👎 door de bezoeker afgekeurd: hoe lang?", "twee\nregels"]},
        header=["Inbox: nakijken"],
    )
    assert examples(text) == {"faq/retention": ["hoe lang?"]}  # no comment became an example
    assert "# twee regels\n" in text and text.startswith('version: "3.1"\n# Inbox: nakijken\nnlu:\n')


def test_a_visitors_line_break_or_yaml_cannot_add_examples_or_keys():
    hostile = "eerste regel\n- intent: greet\n  examples: |\n    - ingevoegd"
    text = review.nlu_yaml({"faq/retention": [hostile, "# geen commentaar"]})
    assert examples(text) == {
        "faq/retention": ["eerste regel - intent: greet examples: | - ingevoegd", "# geen commentaar"]
    }


def test_nothing_to_write_is_an_empty_list():
    assert yaml.safe_load(review.nlu_yaml({})) == {"version": "3.1", "nlu": []}
    assert yaml.safe_load(review.nlu_yaml({"greet": []})) == {"version": "3.1", "nlu": []}


def test_the_inbox_writes_through_it():
    candidates = [
        inbox.Candidate("hoe lang bewaren jullie dat?", "faq/retention", "afgekeurd 0.97, Klopt niet"),
        inbox.Candidate("bewaartermijn?", "faq/retention", "onzeker 0.41"),
    ]
    text = inbox.to_yaml(candidates)
    assert examples(text) == {"faq/retention": ["hoe lang bewaren jullie dat?", "bewaartermijn?"]}
    assert "# 2 voorbeeld(en); bron: afgekeurd, onzeker\n" in text
    assert "# 👎 door de bezoeker afgekeurd (0.97, Klopt niet): hoe lang bewaren jullie dat?\n" in text
    assert yaml.safe_load(inbox.to_yaml([]))["nlu"] == []
