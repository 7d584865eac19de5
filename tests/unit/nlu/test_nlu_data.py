"""Training and held-out data: enough varied examples, and a test set that is not a copy."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.core import paths

MIN_EXAMPLES = 15


def load_examples(folder: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples[block["intent"]].append(line[2:].strip())
    return examples


def norm(text: str) -> str:
    """Lower case, punctuation folded; an example of symbols only (emoji) stays itself."""
    return re.sub(r"[^\w]+", " ", text.lower()).strip() or text.strip()


TRAIN = load_examples(paths.DATA / "nlu")
TEST = load_examples(paths.NLU_TEST_DATA)
DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))


def test_every_intent_and_topic_has_enough_examples():
    thin = {label: len(items) for label, items in TRAIN.items() if len(items) < MIN_EXAMPLES}
    assert not thin, f"fewer than {MIN_EXAMPLES} examples: {thin}"


def test_every_domain_intent_is_trained():
    trained_intents = {label.split("/")[0] for label in TRAIN}
    assert set(DOMAIN["intents"]) == trained_intents


def test_every_faq_topic_has_exactly_one_answer():
    topics = {label for label in TRAIN if label.startswith("faq/")}
    answers = {name.removeprefix("utter_") for name in DOMAIN["responses"] if name.startswith("utter_faq/")}
    assert topics == answers


def test_no_example_is_labelled_twice():
    counts = Counter(norm(e) for items in TRAIN.values() for e in items)
    assert [e for e, n in counts.items() if n > 1] == []


def test_held_out_set_covers_every_label():
    assert set(TEST) == set(TRAIN)
    assert all(len(items) >= 5 for items in TEST.values())


def test_held_out_set_is_not_copied_from_training():
    train = {norm(e) for items in TRAIN.values() for e in items}
    copies = [e for items in TEST.values() for e in items if norm(e) in train]
    # Very short fragments ("ja", "merci") may coincide by nature; longer ones must not.
    assert [c for c in copies if len(norm(c).split()) > 2] == []


@pytest.mark.parametrize("label", sorted(TRAIN))
def test_examples_are_varied_not_templated(label):
    """No single word frame dominates: at most a third of examples share their first 3 words."""
    starts = Counter(" ".join(norm(e).split()[:3]) for e in TRAIN[label])
    most = starts.most_common(1)[0][1]
    assert most <= max(3, len(TRAIN[label]) // 3), starts.most_common(3)


def test_only_example_be_addresses_in_data():
    for folder in (TRAIN, TEST):
        for items in folder.values():
            for text in items:
                for address in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text):
                    assert address.endswith("example.be"), address
