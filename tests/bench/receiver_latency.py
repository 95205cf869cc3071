# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Row 7: the webhook receiver's answer time per call, 50 calls at a time, against the simulator.

The real ``sipgate-sms-notify --serve`` on loopback gets notifications as Alertmanager sends them,
one connection per call. Each call is a group of its own, so each one is decided under the state's
lock, journaled, put in the outbox and really sent (the budget is set out of reach). What is timed
is what Alertmanager waits for: from sending the request to having the whole answer, which comes
once the SMS are in the outbox. Reported: p50 and p99 over every call, and whether every SMS arrived.
Alertmanager gives a webhook call at least 10 s (its notification timeout is the group interval, 10 s
at the least); the figures say how much of that a burst of 50 calls at once leaves.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List

import requests
from bench.results import Row
from engines.process import DaemonProcess
from engines.waiting import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "roles" / "notifier" / "files" / "sipgate_sms_notify.py"
RECIPIENT = "+4915799912345"
CONCURRENCY = 50


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _notification(call: int) -> bytes:
    alerts = [{"status": "firing", "labels": {"alertname": "Bench{0:04d}".format(call), "instance": "web{0:02d}".format(node)},
               "annotations": {"summary": "latency above 1 s"}} for node in range(3)]
    return json.dumps({"version": "4", "receiver": "bench", "status": "firing", "groupKey": str(call), "alerts": alerts}).encode()


def _timed_call(url: str, call: int) -> float:
    started = time.perf_counter()
    answer = requests.post(url, data=_notification(call), headers={"Content-Type": "application/json", "Connection": "close"}, timeout=30)
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError("call {0} answered {1}: {2}".format(call, answer.status_code, answer.text))
    return seconds


def _percentile(values: List[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def receiver_rows(api_url: str, token_id: str, token: str, sms_id: str, workdir: Path, sent_count: Callable[[], int],
                  calls: int = 500) -> List[Row]:
    workdir.mkdir(parents=True, exist_ok=True)
    settings = workdir / "notify.ini"
    settings.write_text("[notify]\nbudget = 1000000\n", encoding="utf-8")
    settings.chmod(0o600)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("NAGIOS_", "NOTIFY_", "SIPGATE_", "ICINGA"))}
    env.update(SIPGATE_TOKEN_ID=token_id, SIPGATE_TOKEN=token, SIPGATE_SMS_ID=sms_id, SIPGATE_API_URL=api_url,
               SIPGATE_SMS_STATE_DIR=str(workdir / "state"))
    port = _free_port()
    receiver = DaemonProcess([sys.executable, str(SCRIPT), "--serve", "127.0.0.1:{0}".format(port), "--config", str(settings)], env,
                             workdir / "receiver.log", workdir)
    base = "http://127.0.0.1:{0}".format(port)
    try:
        wait_until(lambda: _ready(base, receiver), 20, "the receiver", details=receiver.output)
        url = base + "/alertmanager?to=" + RECIPIENT
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            warm = sent_count() + CONCURRENCY
            list(pool.map(lambda call: _timed_call(url, call), range(-CONCURRENCY, 0)))  # warm-up: threads, imports
            wait_until(lambda: sent_count() >= warm, 60, "the warm-up SMS", details=receiver.output)
            before = sent_count()
            started = time.perf_counter()
            seconds = list(pool.map(lambda call: _timed_call(url, call), range(calls)))
            wall = time.perf_counter() - started
        wait_until(lambda: sent_count() - before >= calls, 60, "every SMS", details=receiver.output)
        delivered = sent_count() - before
    finally:
        receiver.stop()
    p50, p99 = _percentile(seconds, 0.50) * 1000, _percentile(seconds, 0.99) * 1000
    detail = "{0} calls, {1} at a time, {2:.0f} calls/s; {3} of {0} SMS delivered".format(calls, CONCURRENCY, calls / wall, delivered)
    figures = {"calls": calls, "concurrency": CONCURRENCY, "seconds": seconds, "wall_seconds": wall, "delivered": delivered}
    if delivered != calls:
        raise RuntimeError("{0} of {1} SMS delivered; see {2}".format(delivered, calls, workdir / "receiver.log"))
    return [Row("webhook receiver: answer time at 50 concurrent calls, p50", p50, "{0:.0f} ms".format(p50), "", None, detail, figures),
            Row("webhook receiver: answer time at 50 concurrent calls, p99", p99, "{0:.0f} ms".format(p99), "", None, detail)]


def _ready(base: str, receiver: DaemonProcess) -> bool:
    if not receiver.is_running():
        raise RuntimeError("the receiver ended: " + receiver.output())
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False
