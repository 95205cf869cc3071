# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian's prometheus-alertmanager in the foreground on loopback, with a private storage and configuration.

Clustering is off (no gossip port), the web API listens on a free loopback port, and alerts are
posted to its API v2 as Prometheus would post them.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

import requests
from engines.engine import base_environment
from engines.process import DaemonProcess
from engines.waiting import wait_until
from receiver_process import answers_ok, free_port

BINARY = Path("/usr/bin/prometheus-alertmanager")
AMTOOL = Path("/usr/bin/amtool")


def moment(seconds_from_now: float = 0.0) -> str:
    """An RFC 3339 time as Alertmanager's API takes it."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert(labels: Mapping[str, str], summary: str = "", resolved: bool = False) -> dict:
    """One alert as Prometheus posts it: firing from now on, or resolved a moment ago.

    A firing alert starts now: one that started longer than group_wait ago is sent at once, before
    the rest of its group has arrived.
    """
    posted = {"labels": dict(labels), "annotations": {"summary": summary} if summary else {}, "startsAt": moment(-10 if resolved else 0)}
    if resolved:
        posted["endsAt"] = moment(-1)
    return posted


class Alertmanager:
    """One Alertmanager daemon in ``workdir`` with the given configuration (YAML text)."""

    def __init__(self, workdir: Path, config: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.config = workdir / "alertmanager.yml"
        self.config.write_text(config, encoding="utf-8")
        self.storage = workdir / "storage"
        self.storage.mkdir(exist_ok=True)
        self.daemon: Optional[DaemonProcess] = None

    @property
    def url(self) -> str:
        return "http://127.0.0.1:{0}".format(self.port)

    def argv(self) -> List[str]:
        return [str(BINARY), "--config.file={0}".format(self.config), "--storage.path={0}".format(self.storage),
                "--web.listen-address=127.0.0.1:{0}".format(self.port), "--cluster.listen-address=", "--log.level=debug"]

    def start(self) -> "Alertmanager":
        self.daemon = DaemonProcess(self.argv(), base_environment(), self.workdir / "alertmanager.log", self.workdir)
        wait_until(self.ready, 30, "Alertmanager's /-/ready", details=self.output)
        return self

    def ready(self) -> bool:
        return answers_ok(self.url + "/-/ready", self.daemon)

    def post_alerts(self, alerts: Sequence[dict]) -> None:
        answer = requests.post(self.url + "/api/v2/alerts", data=json.dumps(list(alerts)), timeout=10,
                               headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text

    def output(self) -> str:
        return self.daemon.output() if self.daemon else ""

    def stop(self) -> Optional[int]:
        return self.daemon.stop() if self.daemon else None
