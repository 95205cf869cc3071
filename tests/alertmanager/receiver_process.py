# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real ``sipgate-sms-notify --serve`` as a daemon: its settings file, its state, its port, its calls."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

import requests
from engines.process import DaemonProcess
from engines.waiting import wait_until
from support.notifier_script import SCRIPT, ScriptRunner
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID

BEARER_TOKEN = "receiver-test-token-5d1c0e7a9f"
WEBHOOK = "/alertmanager"


def free_port() -> int:
    """A port nothing listens on right now (the daemon binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_ok(url: str, daemon: Optional[DaemonProcess]) -> bool:
    """Whether ``url`` answers 200 yet; the daemon's output as the failure when it has ended."""
    assert daemon is not None and daemon.is_running(), daemon.output() if daemon else "not started"
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def settings_text(sections: Mapping[str, Mapping[str, Any]]) -> str:
    return "".join("[{0}]\n{1}".format(name, "".join("{0} = {1}\n".format(key, value) for key, value in values.items()))
                   for name, values in sections.items() if values)


class ReceiverProcess:
    """One receiver with a private state directory, talking to the simulator; stopped by PID with TERM."""

    def __init__(self, workdir: Path, api_url: str, host: str = "127.0.0.1", notify: Optional[Mapping[str, Any]] = None,
                 serve: Optional[Mapping[str, Any]] = None, receivers: Optional[Mapping[str, str]] = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.listen = "{0}:{1}".format(host, self.port)
        state_dir = workdir / "state"
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.script = ScriptRunner(state_dir, {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_SMS_ID": SMS_ID,
                                               "SIPGATE_API_URL": api_url})
        self.config = workdir / "notify.ini"
        self.config.write_text(settings_text({"notify": dict(notify or {}), "serve": dict({"flush_interval": 1}, **(serve or {})),
                                              "receivers": dict(receivers or {})}), encoding="utf-8")
        self.config.chmod(0o600)
        self.daemon: Optional[DaemonProcess] = None

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:{0}".format(self.port)

    def argv(self, listen: Optional[str] = None) -> list:
        return [sys.executable, str(SCRIPT), "--serve", listen or self.listen, "--config", str(self.config)]

    def start(self) -> "ReceiverProcess":
        self.daemon = DaemonProcess(self.argv(), self.script.environment(), self.workdir / "receiver.log", self.workdir)
        wait_until(self.ready, 20, "the receiver's /healthz", details=self.output)
        return self

    def ready(self) -> bool:
        return answers_ok(self.base_url + "/healthz", self.daemon)

    def stop(self) -> Optional[int]:
        return self.daemon.stop() if self.daemon else None

    def output(self) -> str:
        return self.daemon.output() if self.daemon else ""

    def post(self, payload: Any, query: str = "", token: Optional[str] = None, timeout: float = 30) -> requests.Response:
        """One webhook call; ``payload`` as data (sent as JSON) or bytes (sent as they are)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        return requests.post(self.base_url + WEBHOOK + ("?" + query if query else ""), data=body, headers=headers, timeout=timeout)

    def journal(self) -> list:
        return self.script.journal()

    def events_of(self, identities: set) -> list:
        """The journal's events about the alerts with these identities, in order."""
        return [record["event"] for record in self.journal() if record.get("identity") in identities]
