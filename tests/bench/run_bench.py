#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: the collection next to what people would write without it, on loopback.

    .venv/bin/python tests/bench/run_bench.py [--quick] [--json FILE]

Starts the sipgate API simulator in this process (nothing leaves the machine), runs every
measurement, prints one Markdown table (value, target, pass/MISS) and writes the same rows with
all raw figures to ``bench-results.json`` at the repository root. Every comparison is a ratio of
two contenders measured side by side in the same run, taking turns, as medians over repeated
runs: the machine's speed cancels out, its noise mostly does. A missed target is reported, not
an error: the exit status is 0 unless a measurement could not be taken at all (then 1).

The rows:

1. ``sipgate_sms`` task vs. the equivalent ``ansible.builtin.uri`` task (POST JSON, Basic auth),
   one recipient: whole ``ansible-playbook`` runs, median wall time (target: at most 1.0x).
2. 30 recipients at 0.1 s API latency: one ``sipgate_sms`` task vs. a ``uri`` loop; task time from
   the ``task_seconds`` callback in ``callback_plugins/`` (target: at least 10x faster).
3. The notifier with an alert it has just sent (deduplicated, nothing sent) vs. ``python3 -c pass``
   (target: at most 2.0x).
4. The notifier with a new alert over the recipient's budget (held for a digest, nothing sent) vs.
   ``python3 -c pass`` (target: at most 2.0x).
5. The notifier delivering a new alert vs. a five-line ``requests.post`` script (target: at most
   1.25x) and vs. ``curl`` (reported). Each delivered run has its own alert, so each really sends.
   Rows 3 to 5 run the notifier as the role installs it (see ``notifier_speed.py``), and each run
   is checked to have been deduplicated, held or sent.
6. An alert storm: 1,000 alerts in 60 simulated seconds to 3 recipients, each alert one run of the
   notifier's ``Run`` (its lock, dedup, budget, digest, spool and journal, and the real sender to
   the simulator); only the clock is simulated, through the seam ``Run`` offers (see
   ``storm_driver.py``). A ``--flush`` after the budget window sends the digests. Reported: alerts
   journaled (target: all 3,000 alert-recipient pairs, every held alert in a digest), SMS and
   segments sent, peak memory (``wait4`` max RSS of the child process).
7. Message fitting over ``corpus/plugin_outputs.jsonl`` (207 real-world shaped plugin outputs):
   the share whose notifier SMS, built by the notifier's own message builder with its default
   template, is one GSM-7 segment with type, host, service and state intact (target: 100 %).
8. The webhook receiver (``sipgate-sms-notify --serve``): 500 Alertmanager notifications, 50 at a
   time, each its own group that is really sent; the time to each answer, p50 and p99 (reported,
   see ``receiver_latency.py``).

``--quick`` takes fewer repetitions (about a minute instead of about three).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

# pylint: disable=wrong-import-position
from bench.alert_storm import run_storm, storm_rows  # noqa: E402
from bench.corpus_fitting import CORPUS, fit_corpus, load_corpus, share_fitting  # noqa: E402
from bench.notifier_speed import NotifierBench, deduplicated_run, delivered_run, held_run  # noqa: E402
from bench.playbook_speed import PlaybookBench, one_recipient, thirty_recipients  # noqa: E402
from bench.receiver_latency import receiver_rows  # noqa: E402
from bench.results import Row, failed_row, markdown_table, write_json  # noqa: E402
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID, SipgateSimulator  # noqa: E402

FULL_ROUNDS = {"playbook": 7, "latency": 3, "notifier": 21}
QUICK_ROUNDS = {"playbook": 2, "latency": 1, "notifier": 7}


def progress(message: str) -> None:
    sys.stderr.write("bench: {0}\n".format(message))
    sys.stderr.flush()


def measured(targets: Sequence[tuple], measure: Callable[[], List[Row]]) -> List[Row]:
    """The rows of one measurement; if it cannot be taken, one error row per expected row instead."""
    try:
        return measure()
    except Exception as error:  # pylint: disable=broad-exception-caught  # one broken part must not hide the others
        return [failed_row(name, target, error) for name, target in targets]


def fitting_rows() -> List[Row]:
    fitted = fit_corpus(load_corpus())
    share = share_fitting(fitted)
    misses = [alert.text for alert in fitted if not alert.fits]
    return [Row("message fitting: corpus alerts that become one GSM-7 SMS with host, service and state intact", share,
                "{0:.0f} % ({1}/{2})".format(share * 100, len(fitted) - len(misses), len(fitted)), "100 %", share == 1.0,
                "{0} plugin outputs from {1}".format(len(fitted), CORPUS.relative_to(REPO_ROOT)), {"misses": misses})]


def run_all(simulator: SipgateSimulator, workdir: Path, rounds: dict) -> List[Row]:
    credentials = {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_API_URL": simulator.url}

    def sent_count() -> int:
        return len(simulator.sent_sms())

    playbooks = PlaybookBench(workdir / "ansible", credentials, sent_count)
    playbooks.workdir.mkdir()
    notifier = NotifierBench(simulator.url, TOKEN_ID, TOKEN, SMS_ID, workdir / "notifier", sent_count)
    notifier.workdir.mkdir()
    notifier.prepare()  # the settings files age while the playbooks run: the notifier's cache keeps only a settled one

    progress("1/8 sipgate_sms vs. uri, one recipient ({0} rounds of ansible-playbook)".format(rounds["playbook"]))
    rows = measured([("`sipgate_sms` task vs. `uri` task, 1 recipient", "<= 1.0x")], lambda: [one_recipient(playbooks, rounds["playbook"])])
    progress("2/8 sipgate_sms vs. uri loop, 30 recipients at 0.1 s latency ({0} round(s))".format(rounds["latency"]))
    rows += measured([("30 recipients, 0.1 s latency: `sipgate_sms` vs. `uri` loop", ">= 10x faster")],
                     lambda: [thirty_recipients(playbooks, rounds["latency"], lambda seconds: simulator.configure(latency=seconds))])
    progress("3/8 notifier, deduplicated alert ({0} rounds)".format(rounds["notifier"]))
    rows += measured([("notifier, deduplicated alert vs. `python3 -c pass`", "<= 2.0x")], lambda: [deduplicated_run(notifier, rounds["notifier"])])
    progress("4/8 notifier, held alert ({0} rounds)".format(rounds["notifier"]))
    rows += measured([("notifier, held alert (over budget) vs. `python3 -c pass`", "<= 2.0x")], lambda: [held_run(notifier, rounds["notifier"])])
    progress("5/8 notifier, delivered alert ({0} rounds)".format(rounds["notifier"]))
    rows += measured([("notifier, delivered alert vs. five-line `requests.post` script", "<= 1.25x"),
                      ("notifier, delivered alert vs. `curl`", "")], lambda: delivered_run(notifier, rounds["notifier"]))
    progress("6/8 alert storm: 1,000 alerts, 3 recipients")
    single_rss: Optional[int] = max(notifier.peak_rss_kib) if notifier.peak_rss_kib else None
    rows += measured([("alert storm: alerts journaled", "all 3,000"), ("alert storm: SMS sent", ""), ("alert storm: peak memory", "")],
                     lambda: storm_rows(run_storm(simulator.url, TOKEN_ID, TOKEN, SMS_ID, workdir, simulator.sent_sms), single_rss))
    progress("7/8 message fitting over the corpus")
    rows += measured([("message fitting over the corpus", "100 %")], fitting_rows)
    progress("8/8 webhook receiver, 50 concurrent calls")
    rows += measured([("webhook receiver: answer time at 50 concurrent calls, p50", ""),
                      ("webhook receiver: answer time at 50 concurrent calls, p99", "")],
                     lambda: receiver_rows(simulator.url, TOKEN_ID, TOKEN, SMS_ID, workdir / "receiver", sent_count))
    return rows


def context(quick: bool, rounds: dict, seconds: float) -> dict:
    try:
        from ansible.release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel
    except ImportError:
        ansible_version = "not installed"
    return {"generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": quick, "rounds": rounds,
            "bench_seconds": round(seconds, 1), "python": platform.python_version(), "ansible_core": ansible_version,
            "machine": "{0}, {1} CPUs, load average {2}".format(platform.machine(), os.cpu_count(), " ".join(
                "{0:.2f}".format(load) for load in os.getloadavg()))}


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the collection against plain uri tasks, scripts and curl, on loopback.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: about a minute")
    parser.add_argument("--json", default=str(REPO_ROOT / "bench-results.json"), help="where to write the results (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _arguments(argv)
    rounds = QUICK_ROUNDS if arguments.quick else FULL_ROUNDS
    started = time.perf_counter()
    with SipgateSimulator() as simulator, tempfile.TemporaryDirectory(prefix="sipgate-bench-") as workdir:
        rows = run_all(simulator, Path(workdir), rounds)
    about = context(arguments.quick, rounds, time.perf_counter() - started)
    write_json(Path(arguments.json), rows, about)
    print(markdown_table(rows))
    print("\n{0}; Python {1}, ansible-core {2}; {3:.0f} s. Raw figures: {4}".format(
        about["machine"], about["python"], about["ansible_core"], about["bench_seconds"], arguments.json))
    for row in rows:
        if row.error:
            print("\nERROR in '{0}':\n{1}".format(row.name, row.error), file=sys.stderr)
    return 1 if any(row.error for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
