# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An alert storm through the notifier's own run logic, on a simulated clock (run as a child process).

Each alert is one ``Run`` of the notifier, as one invocation by the engine would be: it takes the
state lock, decides (dedup, budget, digest), sends through the real sender to the API at
``--api-url``, settles the outcome and appends to the journal in ``--state-dir``. Only the clock is
simulated (the seam ``Run`` offers), so 60 seconds of storm and the budget window after it run in
a few seconds. After the storm, one ``--flush`` run once the budget window has passed delivers
the digests. Prints a JSON summary; the caller reads the journal and the simulator itself.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

NOTIFIER_FILES = Path(__file__).resolve().parents[2] / "roles" / "notifier" / "files"
sys.path.insert(0, str(NOTIFIER_FILES))
sys.path.insert(0, str(NOTIFIER_FILES.parents[2] / "plugins" / "module_utils"))

# pylint: disable=wrong-import-position,import-error
from sipgate_api.credentials import choose_credentials  # noqa: E402
from sipgate_notify.alert import Alert, from_icinga_options  # noqa: E402
from sipgate_notify.config import Settings  # noqa: E402
from sipgate_notify.run import Run  # noqa: E402

# A storm as an outage brings it: many hosts and services at once, each alerting again and
# again (re-notifications, flapping between WARNING and CRITICAL), some recovering meanwhile.
SERVICES = ("HTTP", "HTTPS", "Disk /var", "Load", "Swap", "PING", "MySQL", "nginx.service")
STORM_START = 1_900_000_000.0


class SimulatedClock:
    """The notifier's ``clock``: returns whatever moment the storm has reached."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def storm_alerts(count: int, recipients: Sequence[str], seed: int) -> Iterator[Alert]:
    """``count`` alerts about 48 subjects: repeats, changes of severity and recoveries, reproducibly."""
    chooser = random.Random(seed)
    subjects = [("web{0:02d}".format(host), service) for host in range(1, 7) for service in SERVICES]
    state = {subject: "OK" for subject in subjects}
    for _number in range(count):
        host, service = chooser.choice(subjects)
        current, roll = state[(host, service)], chooser.random()
        if current != "OK" and roll < 0.15:
            kind, new = "RECOVERY", "OK"
        elif current != "OK" and roll < 0.75:
            kind, new = "PROBLEM", current  # a re-notification of the same problem
        else:
            kind, new = "PROBLEM", chooser.choice(("WARNING", "CRITICAL"))
        state[(host, service)] = new
        yield from_icinga_options({"t": kind, "l": host, "e": service, "s": new, "r": ",".join(recipients),
                                   "o": "{0} - response time {1:.3f} s".format(new, chooser.uniform(0.1, 12.0))})


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token-id", required=True)
    parser.add_argument("--sms-id", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--recipients", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20300312)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _arguments(argv)
    token = sys.stdin.readline().strip()  # the token comes on stdin, never on a command line
    settings = Settings(token_id=arguments.token_id, token=token, sms_id=arguments.sms_id, api_url=arguments.api_url,
                        state_dir=arguments.state_dir)
    credentials = choose_credentials(token_id=arguments.token_id, token=token)
    recipients = ["+49157999123{0:02d}".format(number) for number in range(arguments.recipients)]
    clock = SimulatedClock(STORM_START)
    exit_codes: List[int] = []
    started = time.perf_counter()
    for number, alert in enumerate(storm_alerts(arguments.alerts, recipients, arguments.seed)):
        clock.now = STORM_START + number * arguments.seconds / arguments.alerts
        exit_codes.append(Run(settings, credentials, clock=clock).execute(alert).exit_code)
    storm_seconds = time.perf_counter() - started
    clock.now = STORM_START + arguments.seconds + settings.budget_window
    flush_code = Run(settings, credentials, clock=clock).execute(None).exit_code
    print(json.dumps({"alerts": len(exit_codes), "recipients": recipients, "nonzero_exits": sum(1 for code in exit_codes if code),
                      "flush_exit": flush_code, "storm_wall_seconds": storm_seconds, "simulated_seconds": arguments.seconds,
                      "flushed_at_simulated_second": arguments.seconds + settings.budget_window}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
