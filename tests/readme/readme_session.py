# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a README section's code blocks the way a reader would: in order, in one shell, in one directory.

Shell blocks run in bash with `set -eo pipefail`; what they export and where they cd carries over to
the next block, as in a terminal. A YAML block that is a playbook runs with ansible-playbook, a list
of tasks runs as a play on localhost. A block with file=PATH is written there instead.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

import yaml
from markdown_snippets import Snippet

SHELLS = ("sh", "bash", "shell")
YAML = ("yaml", "yml")
NEVER_RUN = ("text",)
# Warnings a reader would see, except the two every run without an inventory prints, and the one
# about plain http on loopback: the simulator speaks http on 127.0.0.1, sipgate itself https.
WARNINGS = re.compile(r"^\[(WARNING|DEPRECATION WARNING)\]: (?!No inventory was parsed, only implicit localhost is available$)"
                      r"(?!provided hosts list is empty, only localhost is available)"
                      r"(?!(sipgate_sms callback: )?api_url http://127\.0\.0\.1:\d+/v2 is plain http)", re.MULTILINE)

# Restores the previous block's exports and directory, runs the block, saves them for the next one.
SHELL_WRAPPER = """\
set -eo pipefail
. "$README_SESSION/exports"
cd "$(cat "$README_SESSION/cwd")"
. "$README_SESSION/block"
export -p > "$README_SESSION/exports"
pwd > "$README_SESSION/cwd"
"""


class _AnyTagLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """Parses YAML with Ansible's tags (!vault, !unsafe) as plain values: only the syntax is checked here."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_AnyTagLoader)  # nosec B506: a SafeLoader that only ignores tags


class ReadmeSession:
    """One section's directory, environment and shell state; ``sms_sent`` lists the texts of the SMS the API got."""

    def __init__(self, workdir: Path, state_dir: Path, env: Mapping[str, str], sms_sent: Callable[[], List[str]],
                 substitutions: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.state_dir = state_dir
        self.env: Dict[str, str] = {**env, "README_SESSION": str(state_dir)}
        self.sms_sent = sms_sent
        self.substitutions = substitutions
        self.last_sent: List[str] = []
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "exports").write_text("", encoding="utf-8")
        (state_dir / "cwd").write_text(str(workdir), encoding="utf-8")

    def text_of(self, snippet: Snippet) -> str:
        text = snippet.text
        for example, real in self.substitutions.items():
            text = text.replace(example, real)
        return text

    def run(self, snippet: Snippet) -> None:
        """Run (or write) one block; an AssertionError says which block failed and why."""
        if snippet.language in NEVER_RUN:
            self.compare_output(snippet)
            return
        before = len(self.sms_sent())
        text = self.text_of(snippet)
        if "file" in snippet.attributes:
            self.write(snippet, text)
        elif snippet.language in SHELLS:
            self.shell(snippet, text)
        elif snippet.language in YAML:
            self.ansible(snippet, text)
        else:
            raise AssertionError("{0}: a ```{1} block cannot run here: give it file=PATH (written for later blocks), "
                                 "or untested=\"the reason\"".format(snippet.where, snippet.language))
        self.last_sent = self.sms_sent()[before:]
        if "sms" in snippet.attributes:
            assert len(self.last_sent) == int(snippet.attributes["sms"]), "{0}: sent {1} SMS, the block says sms={2}".format(
                snippet.where, len(self.last_sent), snippet.attributes["sms"])

    def compare_output(self, snippet: Snippet) -> None:
        """A ```text shows=sms block must be what the block before it sent, one SMS a line."""
        shows = snippet.attributes.get("shows")
        if shows is None:
            return
        assert shows == "sms", "{0}: shows={1}: only shows=sms is known".format(snippet.where, shows)
        assert snippet.text.strip().splitlines() == self.last_sent, "{0}: the block before sent\n{1}".format(
            snippet.where, "\n".join(self.last_sent))

    def write(self, snippet: Snippet, text: str) -> None:
        cwd = Path((self.state_dir / "cwd").read_text(encoding="utf-8").strip())
        path = cwd / snippet.attributes["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if snippet.language in YAML:
            try:
                parse_yaml(text)
            except yaml.YAMLError as error:
                raise AssertionError("{0}: {1} is not valid YAML: {2}".format(snippet.where, path.name, error)) from None

    def shell(self, snippet: Snippet, text: str) -> None:
        (self.state_dir / "block").write_text(text, encoding="utf-8")
        completed = subprocess.run(["bash", "-c", SHELL_WRAPPER], cwd=str(self.workdir), env=self.env, stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=600, check=False)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, "{0}: exit status {1}\n--- block\n{2}--- output\n{3}".format(
            snippet.where, completed.returncode, text, output)
        # A reader who copies the block sees these too.
        assert not WARNINGS.search(output), "{0}: warns\n--- block\n{1}--- output\n{2}".format(snippet.where, text, output)

    def ansible(self, snippet: Snippet, text: str) -> None:
        data = parse_yaml(text)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise AssertionError("{0}: a YAML block runs when it is a playbook or a list of tasks; give file=PATH for "
                                 "any other YAML".format(snippet.where))
        if all("hosts" in item for item in data):
            playbook = text
        else:
            indented = "".join("    " + line if line.strip() else line for line in text.splitlines(keepends=True))
            playbook = "- name: {0}\n  hosts: localhost\n  gather_facts: false\n  tasks:\n{1}".format(
                "README block at line {0}".format(snippet.line), indented)
        name = "readme-block-{0}.yml".format(snippet.line)
        cwd = Path((self.state_dir / "cwd").read_text(encoding="utf-8").strip())
        (cwd / name).write_text(playbook, encoding="utf-8")
        self.shell(snippet, "ansible-playbook {0}\n".format(name))
