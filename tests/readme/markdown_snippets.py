# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The code blocks of a Markdown document, grouped by the section (heading) they stand in.

A block's info string is its language followed by attributes, which GitHub does not show:

    ```yaml file=inventory.yml      written to that path for the blocks after it (and must parse)
    ```sh sms=1                     must make exactly one SMS reach the API
    ```sh untested="needs Galaxy"   not run here, for the reason given
    ```text                         output or a picture, never run
    ```text shows=sms               exactly the SMS text the block before sent
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from markdown_it import MarkdownIt

ATTRIBUTES = ("file", "sms", "untested", "shows")


@dataclass(frozen=True)
class Snippet:
    """One fenced code block: where it is, its language and attributes, its text."""

    document: str
    section: str
    line: int
    language: str
    attributes: Dict[str, str]
    text: str

    @property
    def where(self) -> str:
        return "{0}:{1} ({2})".format(self.document, self.line, self.section)

    @property
    def untested(self) -> Optional[str]:
        return self.attributes.get("untested")


@dataclass
class Section:
    """The blocks between one heading and the next, which run in order in one directory."""

    document: str
    title: str
    line: int
    snippets: List[Snippet] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "{0}: {1}".format(self.document, self.title)


def parse_info(info: str, where: str) -> tuple:
    """(language, attributes) of a fence's info string; an unknown attribute is an error naming it."""
    words = shlex.split(info)
    if not words:
        raise ValueError("{0}: a code block without a language; write ```text for output, or the block's language".format(where))
    attributes = {}
    for word in words[1:]:
        key, _sep, value = word.partition("=")
        if key not in ATTRIBUTES or not value:
            raise ValueError("{0}: unknown code block attribute {1!r}; known: {2} (each as key=value)".format(
                where, word, ", ".join(ATTRIBUTES)))
        attributes[key] = value
    return words[0], attributes


def sections(path: Path, document: str) -> List[Section]:
    """Every section of the document that holds at least one code block, in document order."""
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    current = Section(document, "(before the first heading)", 1)
    found: List[Section] = [current]
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            current = Section(document, tokens[index + 1].content, token.map[0] + 1 if token.map else 0)
            found.append(current)
        elif token.type == "fence":
            line = token.map[0] + 1 if token.map else 0
            where = "{0}:{1}".format(document, line)
            language, attributes = parse_info(token.info, where)
            current.snippets.append(Snippet(document, current.title, line, language, attributes, token.content))
    return [section for section in found if section.snippets]
