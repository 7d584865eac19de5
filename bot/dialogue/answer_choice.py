"""Answer, or ask first: what the assistant does with a privacy question.

The intent classifier gives the retrieval intent ``faq`` a confidence close to 1.0 on almost
every privacy question, so the FallbackClassifier cannot see doubt about *which* topic is
meant. The ResponseSelector's ranking can: a wrong topic is usually chosen with a low
confidence and a small lead over the runner-up. So:

- a topic chosen with at least ``ANSWER_CONFIDENCE`` and a lead of at least ``ANSWER_MARGIN``
  over the next one is answered;
- otherwise the bot asks "Bedoel je ...?" with the likeliest topics as buttons (at most
  ``MAX_OPTIONS``, each at least ``OPTION_CONFIDENCE``), plus "iets anders";
- a button press (``/faq{"faq_topic": "retention"}``) names the topic itself and is answered.

The two thresholds are calibrated on the real-question development set
(``privacybot evaluate --real`` prints the trade-off table; README "Antwoorden, vragen of
doorverwijzen"), not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from bot.dialogue import topic_catalogue

# Calibrated on the real-question development set (README "Antwoorden, vragen of doorverwijzen",
# docs/real-calibration.png): a top topic at 0.7 or more was right in 93-100 % of the cases, between
# 0.6 and 0.7 in 83 %, between 0.5 and 0.6 in 75 %, below 0.5 in about half or less. At 0.6:
# right 36 %, confidently wrong 9 % of all questions (0.7: 30 % and 6 %; 0.45: 43 % and 14 %).
ANSWER_CONFIDENCE = 0.6
ANSWER_MARGIN = 0.1
OPTION_CONFIDENCE = 0.04
MAX_OPTIONS = 3

TOPIC_ENTITY = "faq_topic"
ANSWER = "answer"
CLARIFY = "clarify"


@dataclass(frozen=True)
class Choice:
    kind: str  # ANSWER or CLARIFY
    topics: Tuple[str, ...]  # ANSWER: the one topic; CLARIFY: the options, likeliest first
    confidence: Optional[float] = None


def ranking(parse_data: dict) -> List[Tuple[str, float]]:
    """The ResponseSelector's topics with their confidences, likeliest first."""
    selector = (parse_data.get("response_selector") or {}).get(topic_catalogue.FAQ_INTENT) or {}
    pairs = []
    for item in selector.get("ranking") or []:
        key = item.get("intent_response_key") or ""
        if key.startswith(topic_catalogue.FAQ_INTENT + "/"):
            pairs.append((key.split("/", 1)[1], float(item.get("confidence") or 0.0)))
    return sorted(pairs, key=lambda kv: -kv[1])


def chosen_topic(parse_data: dict) -> Optional[str]:
    """The topic named by a button payload (``/faq{"faq_topic": "retention"}``), if valid."""
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == TOPIC_ENTITY and entity.get("value") in topic_catalogue.TOPICS:
            return entity["value"]
    return None


def decide(
    ranked: Sequence[Tuple[str, float]],
    answer_confidence: float = ANSWER_CONFIDENCE,
    answer_margin: float = ANSWER_MARGIN,
) -> Optional[Choice]:
    """Answer the top topic, or ask between the likeliest ones; None without any ranking."""
    known = [(key, conf) for key, conf in ranked if key in topic_catalogue.TOPICS]
    if not known:
        return None
    top_key, top_conf = known[0]
    runner_up = known[1][1] if len(known) > 1 else 0.0
    if top_conf >= answer_confidence and top_conf - runner_up >= answer_margin:
        return Choice(ANSWER, (top_key,), top_conf)
    options = [key for key, conf in known[:MAX_OPTIONS] if conf >= OPTION_CONFIDENCE] or [top_key]
    if len(options) == 1:
        # One plausible topic, but not a sure one: still ask, so the visitor can say no.
        return Choice(CLARIFY, (top_key,), top_conf)
    return Choice(CLARIFY, tuple(options), top_conf)


def choose(parse_data: dict) -> Optional[Choice]:
    """What to do with this message's parse data (button choice first, then the ranking)."""
    named = chosen_topic(parse_data)
    if named:
        return Choice(ANSWER, (named,), 1.0)
    return decide(ranking(parse_data))
