"""The privacy statement cut into sections and labelled parts, each with a stable anchor.

The statement (``../shared/policy/privacystatement.txt``) is plain text: a heading is a
one-line block that is a question or a short title; a part is a line that starts with a
short label and a colon ("Recht van inzage: ..."). The ``/privacy`` page renders these with
``id`` attributes, and every answer of the assistant links to the part it comes from, so a
visitor can check what the bot says against the statement itself.

The text after "Back to Top" is what the website's own chat button left in the copied page,
and the first line ("Thursday May 23, 2024") is the day the page was copied: neither is part
of the statement. The first is dropped; the second is kept as ``date_line`` but never shown as
the statement's version, which the statement gives itself ("Deze laatste versie is van ...",
``Statement.version``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

from bot.core import settings

_END_MARKER = "Back to Top"
_VERSION = re.compile(r"laatste versie is van (\d{2}/\d{2}/\d{4})")
PART = re.compile(r"^-?\s*([A-Z][^:.]{2,120}):\s+(.+)$")
_MAX_SLUG_WORDS = 8
_MAX_HEADING_CHARS = 90


def slug(text: str) -> str:
    """An anchor for a heading or label: its first words in lower case ASCII, joined by hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", " ", folded.lower()).split()
    return "-".join(words[:_MAX_SLUG_WORDS])


@dataclass
class Part:
    """A labelled line of a section ("Recht van inzage: ...")."""

    label: str
    text: str

    @property
    def anchor(self) -> str:
        return slug(self.label)


@dataclass
class Section:
    title: str
    paragraphs: List[str] = field(default_factory=list)
    parts: List[Part] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return slug(self.title)


@dataclass
class Statement:
    date_line: str
    title: str
    intro: List[str]
    sections: List[Section]
    version: str = ""  # the date of the statement's latest version, as the statement states it

    def anchors(self) -> Dict[str, str]:
        """Every anchor (section and part) with the title or label it stands for."""
        found: Dict[str, str] = {}
        for section in self.sections:
            found[section.anchor] = section.title
            for part in section.parts:
                found.setdefault(part.anchor, part.label)
        return found


def _is_heading(block: str) -> bool:
    return (
        "\n" not in block
        and len(block) <= _MAX_HEADING_CHARS
        and not block.startswith("-")
        and not block.rstrip().endswith((".", ":", ","))
    )


def parse(text: str) -> Statement:
    """Cut the statement text into its date line, title, introduction and sections."""
    text = text.split(_END_MARKER, 1)[0]
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    date_line, title = (blocks[0], blocks[1]) if len(blocks) > 1 else ("", "Privacystatement")
    intro: List[str] = []
    sections: List[Section] = []
    for block in blocks[2:]:
        if _is_heading(block):
            sections.append(Section(title=block))
            continue
        target = sections[-1] if sections else None
        if target is None:
            intro.append(block)
            continue
        target.paragraphs.append(block)
        for line in block.splitlines():
            match = PART.match(line.strip())
            if match:
                target.parts.append(Part(label=match.group(1).strip(), text=match.group(2).strip()))
    version = _VERSION.search(text)
    return Statement(
        date_line=date_line, title=title, intro=intro, sections=sections, version=version.group(1) if version else ""
    )


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Statement:
    return parse(Path(path).read_text(encoding="utf-8"))


def statement(path: Optional[Path] = None) -> Statement:
    """The parsed statement (cached while the file is unchanged)."""
    source = path or settings.policy_path()
    return _load(str(source), source.stat().st_mtime)
