# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whole runs of the notifier in-process: a test clock, and a sender that answers as the test chooses (no HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

# notifier_script puts the notifier's packages on sys.path: it comes first.
from . import notifier_script  # noqa: F401  pylint: disable=unused-import
from sipgate_api.credentials import choose_credentials  # pylint: disable=import-error,wrong-import-order
from sipgate_api.outcomes import DELIVERED  # pylint: disable=import-error,wrong-import-order
from sipgate_notify.alert import Alert  # pylint: disable=import-error,wrong-import-order
from sipgate_notify.config import Settings  # pylint: disable=import-error,wrong-import-order
from sipgate_notify.delivery import Outcome  # pylint: disable=import-error,wrong-import-order
from sipgate_notify.run import Run  # pylint: disable=import-error,wrong-import-order

ALICE = "+4915799912345"
SECRET = "0f5b5d0e-secret"


class StandInSender:
    """Takes SMS in place of the run's sender, like the helper's client would, with the outcome the test chooses."""

    def __init__(self) -> None:
        self.delivered: list = []
        self.outcome = DELIVERED
        self.temporary = True
        self.unsendable = False

    def __call__(self, items: list, deadline: float, stop: object = None) -> dict:
        if self.outcome == DELIVERED:
            self.delivered += [(item["recipient"], item["text"]) for item in items]
            return {item["id"]: Outcome(item["id"], DELIVERED) for item in items}
        return {item["id"]: Outcome(item["id"], self.outcome, "sipgate trouble", self.temporary, self.unsendable) for item in items}


class Clock:
    """The run's clock: whatever moment the test sets."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make_run(state_dir: Path, sender: StandInSender, clock: Clock, **settings: object) -> Run:
    values = dict(token_id="token-T", token=SECRET, sms_id="s0", state_dir=str(state_dir))
    values.update(settings)
    return Run(Settings(**values), choose_credentials(token_id="token-T", token=SECRET), clock=clock, sender=sender)


def alert(notification_type: str = "PROBLEM", host: str = "web01", state: str = "CRITICAL", recipients: tuple = (ALICE,)) -> Alert:
    return Alert(notification_type, host, state, "Connection refused", service="HTTP", recipients=recipients)


def journal(state_dir: Path) -> list:
    return [json.loads(line) for line in (state_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
