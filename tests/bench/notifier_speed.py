# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long one notification costs the monitoring host, next to the least anyone could do.

- a deduplicated alert (decided from the state, nothing sent) next to ``python -c pass``;
- a delivered alert next to a five-line ``requests.post`` script and next to ``curl``.

Every figure is the median of runs taken in turns (one of each, then again), so a busy moment
of the machine hits all of them alike. Each delivered run has its own alert, so it really sends.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List

from bench.results import Row, ratio_row
from bench.timing import ChildRun, median, milliseconds, run_child

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "roles" / "notifier" / "files" / "sipgate_sms_notify.py"
RECIPIENT = "+4915799912345"

# What someone would write instead of the notifier: five lines, no dedup, no spool, no journal.
FIVE_LINE_POST = """\
import os, sys, requests
url, sms_id = os.environ["SIPGATE_API_URL"], os.environ["SIPGATE_SMS_ID"]
body = {"smsId": sms_id, "recipient": sys.argv[1], "message": sys.argv[2]}
auth = (os.environ["SIPGATE_TOKEN_ID"], os.environ["SIPGATE_TOKEN"])
requests.post(url + "/sessions/sms", json=body, auth=auth, timeout=10).raise_for_status()
"""


@dataclass
class NotifierBench:
    """The simulator's address and credentials, and a private state directory for the notifier."""

    api_url: str
    token_id: str
    token: str
    sms_id: str
    workdir: Path
    sent_count: Callable[[], int]
    peak_rss_kib: List[int] = field(default_factory=list)

    def environment(self) -> dict:
        """The credentials in the environment, as Icinga 2's ``env`` passes them; no engine macros."""
        env = {name: value for name, value in os.environ.items() if not name.startswith(("NAGIOS_", "NOTIFY_", "SIPGATE_", "ICINGA"))}
        env.update(SIPGATE_TOKEN_ID=self.token_id, SIPGATE_TOKEN=self.token, SIPGATE_SMS_ID=self.sms_id,
                   SIPGATE_API_URL=self.api_url, SIPGATE_SMS_STATE_DIR=str(self.workdir / "state"))
        return env

    def settings_file(self) -> Path:
        """Default settings but a budget no benchmark reaches: every delivered run must really send."""
        path = self.workdir / "notify.ini"
        if not path.exists():
            path.write_text("[notify]\nbudget = 1000000\n", encoding="utf-8")
            path.chmod(0o600)
        (self.workdir / "state").mkdir(exist_ok=True)
        return path

    def notifier(self, host: str) -> List[str]:
        return [sys.executable, str(SCRIPT), "--config", str(self.settings_file()), "-t", "PROBLEM", "-l", host, "-e", "HTTP",
                "-s", "CRITICAL", "-o", "CRITICAL - Socket timeout after 10 seconds", "-r", RECIPIENT]

    def run(self, argv: List[str]) -> ChildRun:
        result = run_child(argv, self.environment())
        if "sipgate_sms_notify" in " ".join(argv):
            self.peak_rss_kib.append(result.max_rss_kib)
        return result


def in_turns(commands: Dict[str, Callable[[int], List[str]]], rounds: int, run: Callable[[List[str]], ChildRun]) -> Dict[str, list]:
    """Seconds of each command per round, the commands taking turns within every round."""
    seconds: Dict[str, list] = {name: [] for name in commands}
    for number in range(rounds):
        for name, command in commands.items():
            seconds[name].append(run(command(number)).seconds)
    return seconds


def in_milliseconds(seconds: Dict[str, list]) -> Dict[str, list]:
    return {name: [round(value * 1000, 1) for value in values] for name, values in seconds.items()}


def deduplicated_run(bench: NotifierBench, rounds: int) -> Row:
    """Row 3: the second and later runs of one alert are decided from the state alone."""
    bench.run(bench.notifier("web-dedup"))  # the first one delivers; every later one is a repeat
    before = bench.sent_count()
    seconds = in_turns({"python -c pass": lambda _n: [sys.executable, "-c", "pass"],
                        "deduplicated alert": lambda _n: bench.notifier("web-dedup")}, rounds, bench.run)
    if bench.sent_count() != before:
        raise AssertionError("a repeated alert was sent again: {0} SMS instead of none".format(bench.sent_count() - before))
    ours, floor = median(seconds["deduplicated alert"]), median(seconds["python -c pass"])
    return ratio_row("notifier, deduplicated alert vs. `python3 -c pass`", ours, floor, "<= 2.0x", "<=", 2.0,
                     "{0} vs. {1}, median of {2}".format(milliseconds(ours), milliseconds(floor), rounds),
                     {"notifier_ms": ours * 1000, "python_pass_ms": floor * 1000, "runs": rounds, "samples_ms": in_milliseconds(seconds)})


def _post_script(bench: NotifierBench) -> Path:
    path = bench.workdir / "five_line_post.py"
    path.write_text(FIVE_LINE_POST, encoding="utf-8")
    return path


def _curl(bench: NotifierBench, number: int) -> List[str]:
    body = json.dumps({"smsId": bench.sms_id, "recipient": RECIPIENT, "message": "PROBLEM curl{0}/HTTP CRITICAL".format(number)})
    # The token on curl's command line is fine here only: loopback and the simulator's demo account.
    return ["curl", "-sS", "-f", "-u", "{0}:{1}".format(bench.token_id, bench.token), "-H", "Content-Type: application/json",
            "--data-binary", body, bench.api_url + "/sessions/sms"]


def delivered_run(bench: NotifierBench, rounds: int) -> List[Row]:
    """Row 4: one SMS delivered, by the notifier, by five lines of requests, by curl."""
    post = _post_script(bench)
    before = bench.sent_count()
    seconds = in_turns({
        "delivered alert": lambda n: bench.notifier("web{0}".format(n)),
        "requests.post": lambda n: [sys.executable, str(post), RECIPIENT, "PROBLEM post{0}/HTTP CRITICAL".format(n)],
        "curl": lambda n: _curl(bench, n),
    }, rounds, bench.run)
    sent = bench.sent_count() - before
    if sent != 3 * rounds:
        raise AssertionError("expected {0} SMS at the simulator, got {1}".format(3 * rounds, sent))
    ours, post_median, curl_median = (median(seconds[name]) for name in ("delivered alert", "requests.post", "curl"))
    figures = {"notifier_ms": ours * 1000, "requests_post_ms": post_median * 1000, "curl_ms": curl_median * 1000, "runs": rounds,
               "notifier_peak_rss_kib": max(bench.peak_rss_kib), "samples_ms": in_milliseconds(seconds)}
    versus_curl = ratio_row("notifier, delivered alert vs. `curl`", ours, curl_median, "", "<=", float("inf"),
                            "{0} vs. {1}, median of {2}".format(milliseconds(ours), milliseconds(curl_median), rounds), figures)
    versus_curl.met = None  # reported for scale: curl is C, not a fair target for a Python script
    return [
        ratio_row("notifier, delivered alert vs. five-line `requests.post` script", ours, post_median, "<= 1.25x", "<=", 1.25,
                  "{0} vs. {1}, median of {2}".format(milliseconds(ours), milliseconds(post_median), rounds), figures),
        versus_curl,
    ]
