# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long one notification costs the monitoring host, next to the least anyone could do.

- a deduplicated alert (decided from the state, nothing sent) next to ``python -c pass``;
- a held alert (over budget: kept for a digest, nothing sent) next to ``python -c pass``;
- a delivered alert next to a five-line ``requests.post`` script and next to ``curl``.

The notifier runs as the role installs it: script and packages copied to a folder of their own and
byte-compiled (the engines' users cannot write there, so without that every run would compile
them), the account in a settings file that has not changed for a while. Each run is checked to
have done what its row says (deduplicated, held, sent), from its own log line and the simulator.

Every figure is the median of runs taken in turns (one of each, then again), so a busy moment
of the machine hits all of them alike. Each delivered or held run has its own alert.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from bench.results import Row, ratio_row
from bench.timing import ChildRun, median, milliseconds, run_child

REPO_ROOT = Path(__file__).resolve().parents[2]
FILES = REPO_ROOT / "roles" / "notifier" / "files"
HELPER = REPO_ROOT / "plugins" / "module_utils" / "sipgate_api"
RECIPIENT = "+4915799912345"
# The settings cache keeps a settings file only once it has not changed for this long (settings_cache.RACY_SECONDS).
SETTLED_SECONDS = 2.1

# What someone would write instead of the notifier: five lines, no dedup, no spool, no journal.
FIVE_LINE_POST = """\
import os, sys, requests
url, sms_id = os.environ["SIPGATE_API_URL"], os.environ["SIPGATE_SMS_ID"]
body = {"smsId": sms_id, "recipient": sys.argv[1], "message": sys.argv[2]}
auth = (os.environ["SIPGATE_TOKEN_ID"], os.environ["SIPGATE_TOKEN"])
requests.post(url + "/sessions/sms", json=body, auth=auth, timeout=10).raise_for_status()
"""

# A timed command for a round: its argv, its environment, and what its run must have done (None: anything that exits 0).
Command = Callable[[int], Tuple[List[str], dict, Optional[str]]]


def install_notifier(folder: Path) -> Path:
    """The script and its two packages in ``folder``, byte-compiled, as the role installs them; the script's path."""
    shutil.copy2(str(FILES / "sipgate_sms_notify.py"), str(folder / "sipgate_sms_notify.py"))
    for package in (FILES / "sipgate_notify", HELPER):
        shutil.copytree(str(package), str(folder / package.name), ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(str(folder), quiet=1):
        raise RuntimeError("the notifier in {0} does not compile".format(folder))
    return folder / "sipgate_sms_notify.py"


@dataclass
class NotifierBench:
    """The simulator's address and account, and the installed notifier with its settings files and state directories."""

    api_url: str
    token_id: str
    token: str
    sms_id: str
    workdir: Path
    sent_count: Callable[[], int]
    peak_rss_kib: List[int] = field(default_factory=list)
    script: Optional[Path] = None

    def prepare(self) -> None:
        """Install the notifier and write its settings: a default budget out of reach, and a budget of 1 for held alerts."""
        (self.workdir / "install").mkdir(parents=True, exist_ok=True)
        self.script = install_notifier(self.workdir / "install")
        account = "[sipgate]\ntoken_id = {0}\ntoken = {1}\nsms_id = {2}\n".format(self.token_id, self.token, self.sms_id)
        for name, budget in (("notify", 1_000_000), ("held", 1)):
            path = self.workdir / (name + ".ini")
            path.write_text(account + "[notify]\nbudget = {0}\n".format(budget), encoding="utf-8")
            path.chmod(0o600)

    def settle(self) -> None:
        """Wait until the settings files are as old as a deployed one may be expected to be (see SETTLED_SECONDS)."""
        youngest = max((self.workdir / name).stat().st_ctime for name in ("notify.ini", "held.ini"))
        time.sleep(max(0.0, youngest + SETTLED_SECONDS - time.time()))

    def environment(self, settings: str = "notify") -> dict:
        """The simulator's address and a state directory per settings file; the account is in the file. No engine macros."""
        env = {name: value for name, value in os.environ.items() if not name.startswith(("NAGIOS_", "NOTIFY_", "SIPGATE_", "ICINGA"))}
        env.update(SIPGATE_API_URL=self.api_url, SIPGATE_SMS_STATE_DIR=str(self.workdir / (settings + "-state")))
        return env

    def notifier(self, host: str, fate: Optional[str], settings: str = "notify") -> Tuple[List[str], dict, Optional[str]]:
        """An Icinga 2 service alert about ``host``, which must end ``fate`` (sent, deduplicated, held)."""
        argv = [sys.executable, str(self.script), "--config", str(self.workdir / (settings + ".ini")), "-t", "PROBLEM", "-l", host,
                "-e", "HTTP", "-s", "CRITICAL", "-o", "CRITICAL - Socket timeout after 10 seconds", "-r", RECIPIENT]
        return argv, self.environment(settings), fate

    def run(self, argv: List[str], env: Optional[dict] = None, fate: Optional[str] = None) -> ChildRun:
        result = run_child(argv, env if env is not None else self.environment())
        if argv[1:2] == [str(self.script)]:
            self.peak_rss_kib.append(result.max_rss_kib)
        if fate is not None and "-> {0}: {1}".format(RECIPIENT, fate) not in result.stderr:
            raise AssertionError("the alert was to be {0}, but the notifier said:\n{1}".format(fate, result.stderr[-2000:]))
        return result


def in_turns(commands: Dict[str, Command], rounds: int, run: Callable[[List[str], dict, Optional[str]], ChildRun]) -> Dict[str, list]:
    """Seconds of each command per round, the commands taking turns within every round."""
    seconds: Dict[str, list] = {name: [] for name in commands}
    for number in range(rounds):
        for name, command in commands.items():
            seconds[name].append(run(*command(number)).seconds)
    return seconds


def in_milliseconds(seconds: Dict[str, list]) -> Dict[str, list]:
    return {name: [round(value * 1000, 1) for value in values] for name, values in seconds.items()}


def _versus_python(bench: NotifierBench, rounds: int, what: str, command: Command, first: Tuple[List[str], dict, Optional[str]]) -> Row:
    """A row for a run that sends nothing (``command``), after ``first`` set the state up, against ``python -c pass``."""
    bench.settle()
    bench.run(*first)
    before = bench.sent_count()

    def python_pass(_number: int) -> Tuple[List[str], dict, Optional[str]]:
        return [sys.executable, "-c", "pass"], bench.environment(), None

    seconds = in_turns({"python -c pass": python_pass, what: command}, rounds, bench.run)
    if bench.sent_count() != before:
        raise AssertionError("a {0} alert was sent: {1} SMS instead of none".format(what, bench.sent_count() - before))
    ours, floor = median(seconds[what]), median(seconds["python -c pass"])
    return ratio_row("notifier, {0} vs. `python3 -c pass`".format(what), ours, floor, "<= 2.0x", "<=", 2.0,
                     "{0} vs. {1}, median of {2}".format(milliseconds(ours), milliseconds(floor), rounds),
                     {"notifier_ms": ours * 1000, "python_pass_ms": floor * 1000, "runs": rounds, "samples_ms": in_milliseconds(seconds)})


def deduplicated_run(bench: NotifierBench, rounds: int) -> Row:
    """The second and later runs of one alert are decided from the state alone."""
    return _versus_python(bench, rounds, "deduplicated alert", lambda _n: bench.notifier("web-dedup", "deduplicated"),
                          bench.notifier("web-dedup", "sent"))


def held_run(bench: NotifierBench, rounds: int) -> Row:
    """With a budget of 1 SMS, every further alert to the recipient is held for a digest."""
    return _versus_python(bench, rounds, "held alert (over budget)", lambda n: bench.notifier("web-held{0}".format(n), "held", "held"),
                          bench.notifier("web-held-first", "sent", "held"))


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
    """One SMS delivered, by the notifier, by five lines of requests, by curl."""
    bench.settle()
    post = _post_script(bench)
    before = bench.sent_count()
    credentials = dict(bench.environment(), SIPGATE_TOKEN_ID=bench.token_id, SIPGATE_TOKEN=bench.token, SIPGATE_SMS_ID=bench.sms_id)
    seconds = in_turns({
        "delivered alert": lambda n: bench.notifier("web{0}".format(n), "sent"),
        "requests.post": lambda n: ([sys.executable, str(post), RECIPIENT, "PROBLEM post{0}/HTTP CRITICAL".format(n)], credentials, None),
        "curl": lambda n: (_curl(bench, n), credentials, None),
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
