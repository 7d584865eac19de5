"""``privacybot validate``: Rasa's ``rasa data validate``, with the warnings that are known
and harmless set apart from the ones that need fixing.

Harmless here:
- "utterance X is not used in any story or rule" for responses that a custom action sends
  (the follow-up, fallback and form actions, and the retrieval responses ``utter_faq/*``),
  and the ``utter_ask_<slot>`` questions that forms send;
- "duplicated intents ... faq": Rasa 3.6 reports a retrieval intent that is listed in the
  domain and implied by its ``utter_faq/*`` responses twice.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from typing import List

from bot.core import rasa_cli
from bot.core.quiet import quiet_env
from bot.dialogue import answers, fallback, forms, topics
from bot.nlu import training

UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule")
DUPLICATE_FAQ = re.compile(r"duplicated intents have been found across multiple domain files: faq\s*$")
WARNING = re.compile(r"UserWarning: (.*)")


@dataclass
class ValidationResult:
    returncode: int
    harmless: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.problems


def responses_sent_by_actions() -> set:
    return {
        "utter_faq",
        *fallback.RESPONSES,
        *topics.responses_used_by_actions(),
        *forms.RESPONSES,
        answers.CLARIFY_RESPONSE,
        answers.INFORM_NO_FORM,
    }


FORM_QUESTION = re.compile(r"^utter_ask_\w+$")  # a form asks for its slots with these


def classify(output: str, returncode: int) -> ValidationResult:
    result = ValidationResult(returncode)
    allowed = responses_sent_by_actions()
    lines = output.splitlines()
    for number, line in enumerate(lines):
        match = WARNING.search(line)
        if not match:
            continue
        message = match.group(1).strip()
        if message.startswith("Issue found in") and number + 1 < len(lines):
            message = f"{message} {lines[number + 1].strip()}"
        unused = UNUSED.search(message)
        if (unused and (unused.group(1) in allowed or FORM_QUESTION.match(unused.group(1)))) or DUPLICATE_FAQ.search(
            message
        ):
            result.harmless.append(message)
        else:
            result.problems.append(message)
    for line in lines:
        if " ERROR " in line:
            result.problems.append(line.strip())
    return result


def validate(project: "training.Project" = training.REPO) -> ValidationResult:
    cmd = rasa_cli.rasa_command(
        "data",
        "validate",
        "--domain",
        str(project.domain),
        "--data",
        str(project.data),
        "--config",
        str(project.config),
    )
    proc = subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
        cmd, cwd=project.root, env=quiet_env(), capture_output=True, text=True
    )
    return classify(proc.stdout + proc.stderr, proc.returncode)


def main() -> int:
    result = validate()
    for message in result.problems:
        print(f"PROBLEEM: {message}")
    print(
        f"rasa data validate: exit {result.returncode}, {len(result.problems)} probleem/problemen, "
        f"{len(result.harmless)} gekende onschuldige waarschuwing(en)."
    )
    return 0 if result.ok else 1
