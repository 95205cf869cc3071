# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notification script for tests: its package importable in-process, and a way to run it for real.

A module of its own, not conftest: several test folders have a conftest, and only one of them can be
imported by that name when pytest is given those folders at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence

FILES_DIR = Path(__file__).resolve().parents[2] / "roles" / "notifier" / "files"
SCRIPT = FILES_DIR / "sipgate_sms_notify.py"
if str(FILES_DIR) not in sys.path:
    sys.path.insert(0, str(FILES_DIR))
    sys.path.insert(0, str(FILES_DIR.parents[2] / "plugins" / "module_utils"))


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

    def config(self, **notify: str) -> list:
        """``--config FILE`` for a private settings file with these ``[notify]`` settings."""
        path = self.state_dir.parent / "notify.ini"
        path.write_text("[notify]\n" + "".join("{0} = {1}\n".format(key, value) for key, value in notify.items()), encoding="utf-8")
        path.chmod(0o600)
        return ["--config", str(path)]

    def journal(self) -> list:
        import json  # pylint: disable=import-outside-toplevel

        path = self.state_dir / "journal.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def state(self) -> dict:
        import json  # pylint: disable=import-outside-toplevel

        return json.loads((self.state_dir / "state.json").read_text(encoding="utf-8"))


def icinga_args(notification_type: str = "PROBLEM", host: str = "web01", service: Optional[str] = "HTTP", state: str = "CRITICAL",
                output: str = "Connection refused", recipient: str = "+4915799912345") -> list:
    """Command-line options as Icinga 2's NotificationCommand passes them."""
    args = ["-t", notification_type, "-l", host, "-s", state, "-o", output, "-r", recipient]
    return args + (["-e", service] if service else [])


def sms_posts(sipgate_sim) -> list:  # type: ignore[no-untyped-def]
    """Every POST that tried to send an SMS, whatever its answer: what a duplicate or a lost alert would show."""
    return [request for request in sipgate_sim.requests() if request["method"] == "POST" and request["path"].endswith("/sessions/sms")]


def nagios_alert(host: str = "web01", state: str = "DOWN", output: str = "PING CRITICAL", pager: str = "+4915799912345") -> dict:
    """A host alert in the Nagios environment macros."""
    return {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTNAME": host, "NAGIOS_HOSTSTATE": state, "NAGIOS_HOSTOUTPUT": output,
            "NAGIOS_CONTACTPAGER": pager}


def assert_no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
