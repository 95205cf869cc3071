# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notification script for tests: its package importable in-process, and a way to run it for real.

A module of its own, not conftest: several test folders have a conftest, and only one of them can be
imported by that name when pytest is given those folders at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence

from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID

FILES_DIR = Path(__file__).resolve().parents[2] / "roles" / "notifier" / "files"
SCRIPT = FILES_DIR / "sipgate_sms_notify.py"
if str(FILES_DIR) not in sys.path:
    sys.path.insert(0, str(FILES_DIR))
    sys.path.insert(0, str(FILES_DIR.parents[2] / "plugins" / "module_utils"))


def account_settings(api_url: str, token: str = TOKEN) -> dict:
    """The simulator's account in the environment variables the script reads."""
    return {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": token, "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_API_URL": api_url}


def clean_environment() -> dict:
    """The test's environment without anything that would make the script see an alert or settings."""
    return {name: value for name, value in os.environ.items() if not name.startswith(("NAGIOS_", "NOTIFY_", "SIPGATE_", "ICINGA"))}


class ScriptRunner:
    """Runs the real script in a subprocess with a private state directory and settings from the environment."""

    def __init__(self, state_dir: Path, settings: Mapping[str, str]) -> None:
        self.state_dir = state_dir
        self.settings = dict(settings)

    def environment(self, extra: Optional[Mapping[str, str]] = None) -> dict:
        env = clean_environment()
        env.update(self.settings)
        env["SIPGATE_SMS_STATE_DIR"] = str(self.state_dir)
        env.update(extra or {})
        return env

    def start(self, args: Sequence[str] = (), env: Optional[Mapping[str, str]] = None) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=self.environment(env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def __call__(self, args: Sequence[str] = (), env: Optional[Mapping[str, str]] = None, timeout: float = 60,
                 stdin: Optional[str] = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *args], env=self.environment(env), capture_output=True, text=True,
                              timeout=timeout, check=False, input=stdin)

    def config(self, file_name: str = "notify.ini", **notify: object) -> list:
        """``--config FILE`` for a private settings file, beside the state directory, with these ``[notify]`` settings."""
        path = self.state_dir.parent / file_name
        path.write_text("[notify]\n" + "".join("{0} = {1}\n".format(key, value) for key, value in notify.items()), encoding="utf-8")
        path.chmod(0o600)
        return ["--config", str(path)]

    def journal(self) -> list:
        path = self.state_dir / "journal.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def events(self) -> list:
        """What the journal says was done with each alert, in order."""
        return [entry["event"] for entry in self.journal()]

    def state(self) -> dict:
        return json.loads((self.state_dir / "state.json").read_text(encoding="utf-8"))

    def set_aside(self, name: str = "state.json") -> list:
        """The copies of a file of the state directory that the script moved aside as unusable."""
        return sorted(path for path in self.state_dir.iterdir() if path.name.startswith(name + ".unusable-"))

    def age_every_claim(self) -> None:
        """Make every claim in the spool look like it belongs to a run that died long ago."""
        state = self.state()
        for item in state["outbox"]:
            item["claimed_at"] = 0
        (self.state_dir / "state.json").write_text(json.dumps(state), encoding="utf-8")


def icinga_args(notification_type: str = "PROBLEM", host: str = "web01", service: Optional[str] = "HTTP", state: str = "CRITICAL",
                output: str = "Connection refused", recipient: str = "+4915799912345") -> list:
    """Command-line options as Icinga 2's NotificationCommand passes them."""
    args = ["-t", notification_type, "-l", host, "-s", state, "-o", output, "-r", recipient]
    return args + (["-e", service] if service else [])


def nagios_alert(host: str = "web01", state: str = "DOWN", output: str = "PING CRITICAL", pager: str = "+4915799912345") -> dict:
    """A host alert in the Nagios environment macros."""
    return {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTNAME": host, "NAGIOS_HOSTSTATE": state, "NAGIOS_HOSTOUTPUT": output,
            "NAGIOS_CONTACTPAGER": pager}


def assert_no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
