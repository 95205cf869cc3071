# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long a notification takes, against a floor: run with the test virtualenv's Python,

    .venv/bin/python tests/notifier/measure_speed.py [RUNS]

- a deduplicated alert (decided, not sent) against ``python -c pass``;
- a delivered alert against a five-line ``requests.post`` script;
both against the simulator on loopback, median wall time of RUNS (default 21) runs each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS_DIR))

from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID, SipgateSimulator  # noqa: E402  pylint: disable=wrong-import-position

SCRIPT = TESTS_DIR.parent / "roles" / "notifier" / "files" / "sipgate_sms_notify.py"
PLAIN_POST = """\
import os, requests
response = requests.post(os.environ["SIPGATE_API_URL"] + "/sessions/sms",
                         json={"smsId": os.environ["SIPGATE_SMS_ID"], "recipient": "+4915799912345", "message": "PROBLEM web01/HTTP CRITICAL"},
                         auth=(os.environ["SIPGATE_TOKEN_ID"], os.environ["SIPGATE_TOKEN"]), timeout=10)
response.raise_for_status()
"""


def median_seconds(command: list, env: dict, runs: int, vary: bool = False) -> float:
    times = []
    for number in range(runs):
        args = [part.replace("{n}", str(number)) for part in command] if vary else command
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    with SipgateSimulator() as simulator, tempfile.TemporaryDirectory() as state_dir:
        env = dict(os.environ, SIPGATE_TOKEN_ID=TOKEN_ID, SIPGATE_TOKEN=TOKEN, SIPGATE_SMS_ID=SMS_ID, SIPGATE_API_URL=simulator.url,
                   SIPGATE_SMS_STATE_DIR=state_dir)
        alert = [sys.executable, str(SCRIPT), "-t", "PROBLEM", "-l", "web{n}", "-e", "HTTP", "-s", "CRITICAL", "-o", "refused",
                 "-r", "+4915799912345", "--config", str(Path(state_dir) / "none.ini")]
        with open(Path(state_dir) / "none.ini", "w", encoding="utf-8") as settings:
            settings.write("[notify]\nbudget = 100000\n")
        os.chmod(Path(state_dir) / "none.ini", 0o600)
        figures = {
            "python -c pass": median_seconds([sys.executable, "-c", "pass"], env, runs),
            "deduplicated alert": median_seconds([part.replace("{n}", "0") for part in alert], env, runs),
            "five-line requests.post": median_seconds([sys.executable, "-c", PLAIN_POST], env, runs),
            "delivered alert": median_seconds(alert, env, runs, vary=True),
        }
        for name, seconds in figures.items():
            print("{0:<26} {1:7.1f} ms".format(name, seconds * 1000))
        print("SMS received by the simulator: {0}".format(len(simulator.sent_sms())))


if __name__ == "__main__":
    main()
