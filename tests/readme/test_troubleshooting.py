# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every message in the README's troubleshooting table is still printed by this collection or by ansible-core."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List

import ansible
import pytest
from support.ansible_runner import REPO_ROOT

SOURCES = [REPO_ROOT / "plugins", REPO_ROOT / "roles", REPO_ROOT / "playbooks", Path(ansible.__file__).parent]
SUFFIXES = (".py", ".yml", ".j2")
# "…" in the table stands for what varies; source text is compared with white space folded and
# adjacent string literals ("a" "b", "a" u"b") joined, as Python and YAML join them.
LITERAL_JOINS = re.compile(r"""["']\s*u?["']""")


def troubleshooting_messages() -> List[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Troubleshooting\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return [message for row in rows for message in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


@lru_cache(maxsize=None)
def source_texts() -> tuple:
    texts = []
    for root in SOURCES:
        for path in root.rglob("*"):
            if path.suffix in SUFFIXES and path.is_file():
                text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
                texts.append(LITERAL_JOINS.sub("", text))
    return tuple(texts)


MESSAGES = troubleshooting_messages()


def test_troubleshooting_table_has_messages() -> None:
    assert len(MESSAGES) >= 10, MESSAGES


@pytest.mark.parametrize("message", MESSAGES)
def test_troubleshooting_message_is_still_printed(message: str) -> None:
    fragments = [" ".join(part.split()) for part in message.split("…") if part.strip()]
    assert any(all(fragment in text for fragment in fragments) for text in source_texts()), \
        "no source prints {0!r} any more: update the README's troubleshooting table".format(message)
