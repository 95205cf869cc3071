# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An alert that is deduplicated or held imports only what deciding needs.

In an alert storm most runs send nothing, and each is a process of its own: what it imports is
most of what it costs. The real script runs with ``-X importtime`` as the role installs it (a
settings file, the simulator's account in it) and every module it imports beyond ``python -c
pass`` must be on the list below. Time is not asserted here (``make bench`` measures it): a
module that creeps back is.
"""

from __future__ import annotations

import subprocess
import sys
from typing import List, Set

from support.notifier_script import SCRIPT, ScriptRunner, icinga_args

# Every module a deciding run may import that ``python -c pass`` does not.
ALLOWED = frozenset({
    # The standard library: annotations stay unevaluated, the state's lock and JSON codec.
    "__future__", "errno", "fcntl", "math", "_json",
    # Where a syslog socket exists, the journal's lines go there too.
    "syslog",
    # The notifier's deciding parts.
    "sipgate_notify", "sipgate_notify.alert", "sipgate_notify.arguments", "sipgate_notify.cli", "sipgate_notify.config",
    "sipgate_notify.decoding", "sipgate_notify.events", "sipgate_notify.journal", "sipgate_notify.policy",
    "sipgate_notify.number_book", "sipgate_notify.run", "sipgate_notify.settings_cache", "sipgate_notify.spool",
    "sipgate_notify.state_shape", "sipgate_notify.template",
    # The helper's parts that decide nothing about HTTP: errors and words, the state file and its JSON, the URL check.
    "sipgate_api", "sipgate_api.api_url", "sipgate_api.errors", "sipgate_api.json_text", "sipgate_api.outcomes",
    "sipgate_api.state_file",
})
# What a deciding run once imported, or would if it crept back: named, so a failure says which.
NEVER = ("phonenumbers", "phonenumbers.phonenumberutil", "requests", "urllib3", "argparse", "dataclasses", "inspect", "re", "enum",
         "hashlib", "tempfile", "random", "typing", "pathlib", "json", "configparser", "contextlib", "collections", "functools", "datetime", "urllib.parse",
         "ipaddress", "base64", "signal", "threading", "unicodedata", "sipgate_notify.message", "sipgate_notify.usage",
         "sipgate_notify.delivery", "sipgate_api.request", "sipgate_api.phone_numbers", "sipgate_api.fitting",
         "sipgate_api.encoding", "sipgate_api.credentials", "sipgate_api.client", "sipgate_api.delivery")


def imported_modules(stderr: str) -> Set[str]:
    """The modules named in ``-X importtime`` output (``import time: self | cumulative | name``)."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:") and line.count("|") == 2} - {
        "imported package"}


def python_pass_modules() -> Set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True, text=True, check=True)
    return imported_modules(done.stderr)


def run_with_importtime(runner: ScriptRunner, args: List[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", str(SCRIPT), *args], env=runner.environment(), capture_output=True,
                          text=True, timeout=60, check=False)


def assert_decided_with_only_the_allowed_modules(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr
    extra = imported_modules(done.stderr) - python_pass_modules()
    assert not extra & set(NEVER), sorted(extra & set(NEVER))
    assert extra <= ALLOWED, sorted(extra - ALLOWED)


def test_a_deduplicated_alert_imports_only_what_deciding_needs(
        installed: ScriptRunner, settings_files: dict, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    config = settings_files["default"]
    first = installed([*config, *icinga_args()])
    assert first.returncode == 0 and len(sipgate_sim.sent_sms()) == 1, first.stderr

    repeat = run_with_importtime(installed, [*config, *icinga_args()])
    assert installed.events()[-1] == "deduplicated" and len(sipgate_sim.sent_sms()) == 1, repeat.stderr
    assert_decided_with_only_the_allowed_modules(repeat)


def test_a_held_alert_imports_only_what_deciding_needs(
        installed: ScriptRunner, settings_files: dict, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    config = settings_files["budget_1"]
    first = installed([*config, *icinga_args(host="web01")])
    assert first.returncode == 0 and len(sipgate_sim.sent_sms()) == 1, first.stderr

    over_budget = run_with_importtime(installed, [*config, *icinga_args(host="web02")])
    assert installed.events()[-1] == "held" and len(sipgate_sim.sent_sms()) == 1, over_budget.stderr
    assert_decided_with_only_the_allowed_modules(over_budget)


def test_a_sent_alert_imports_what_sending_needs(
        installed: ScriptRunner, settings_files: dict, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    """The other side of the list: it is short because sending's modules wait until an SMS goes out."""
    config = settings_files["default"]
    sent = run_with_importtime(installed, [*config, *icinga_args()])
    assert sent.returncode == 0 and installed.events() == ["sent"] and len(sipgate_sim.sent_sms()) == 1, sent.stderr
    assert {"requests", "sipgate_api.delivery", "sipgate_notify.message", "phonenumbers.phonenumberutil", "configparser"} <= imported_modules(sent.stderr)
