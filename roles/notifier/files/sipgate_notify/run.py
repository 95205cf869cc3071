# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the notifier: decide under the lock, send without it, record the outcome under it again."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sipgate_api.state_file import read_state, updating_state  # pylint: disable=import-error
from sipgate_api.credentials import Credentials  # pylint: disable=import-error
from sipgate_api.errors import DELIVERED, SmsValidationError  # pylint: disable=import-error
from sipgate_api.encoding import measure  # pylint: disable=import-error
from sipgate_api.request import normalise_recipient  # pylint: disable=import-error

from . import journal, message, policy, spool
from .alert import Alert
from .config import Settings

EXIT_OK = 0
EXIT_TEMPORARY = 1
EXIT_PERMANENT = 2

STATE_FILE = "state.json"
# Sends must be over before the engines' 30 s notification timeout, with room to record them.
SEND_DEADLINE = 22.0

Sender = Callable[[Credentials, str, bool, Optional[str], list, float], dict]


def default_sender(credentials: Credentials, api_url: str, validate_certs: bool, sms_id: Optional[str], items: list, deadline: float) -> dict:
    # Imported here: it imports requests, which only runs that send should pay for.
    from .delivery import deliver  # pylint: disable=import-outside-toplevel

    return deliver(credentials, api_url, validate_certs, sms_id, items, deadline)


@dataclass
class RunResult:
    exit_code: int = EXIT_OK
    records: list = field(default_factory=list)
    previews: list = field(default_factory=list)

    def worsen(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)


def _digest_about(digest: policy.Digest) -> dict:
    return {"digest": True, "alerts_total": digest.total,
            "alerts": [{"subject": entry["subject"], "states": entry["states"], "type": entry["type"], "alerts": entry["alerts"]}
                       for entry in digest.entries]}


def digest_text(digest: policy.Digest, max_segments: int) -> str:
    items = [message.digest_item(entry["subject"], entry["states"], entry["type"]) for entry in digest.entries]
    return message.digest(digest.total, items, max_segments)


class Run:
    """Everything one invocation does, with the clock and the sender injectable for tests."""

    def __init__(self, settings: Settings, credentials: Credentials, clock: Callable[[], float] = time.time,
                 sender: Sender = default_sender, started: Optional[float] = None) -> None:
        self.settings = settings
        self.credentials = credentials
        self.clock = clock
        self.sender = sender
        self.started = time.monotonic() if started is None else started
        self.limits = policy.Limits(settings.dedup_window, settings.budget, settings.budget_window)
        self.state_dir = Path(settings.state_dir)
        self.run_id = spool.new_run_id()

    def recipients(self, alert: Alert, result: RunResult, now: float) -> list:
        """The alert's recipients in E.164 (the settings' when the engine gave none); bad ones journaled."""
        numbers = []
        for raw in alert.recipients or self.settings.recipients:
            try:
                number = normalise_recipient(raw, "recipient", region=self.settings.region)
            except SmsValidationError as error:
                result.records.append(journal.record(journal.FAILED, now, str(raw), str(error), alert.summary()))
                result.worsen(EXIT_PERMANENT)
                continue
            if number not in numbers:
                numbers.append(number)
        if not numbers and not alert.recipients and not self.settings.recipients:
            result.records.append(journal.record(journal.FAILED, now, "", "no recipient: give the contact a pager number "
                                                 "(or -r, or recipients in the settings)", alert.summary()))
            result.worsen(EXIT_PERMANENT)
        return numbers

    def _decide(self, state: dict, alert: Optional[Alert], numbers: list, text: str, now: float, result: RunResult) -> list:
        """Under the lock: digests due, this alert's fate per recipient, the spool; the SMS this run sends."""
        policy.complete(state)
        policy.prune(state, now, self.limits)
        for item in spool.expire(state, now, self.settings.spool_max_age):
            result.records.append(journal.record(journal.FAILED, now, item["recipient"], "undelivered for too long, given up: " +
                                                 item.get("last_error", ""), item["about"], text=item["text"]))
        outgoing = []
        for digest in policy.due_digests(state, now, self.limits):
            outgoing.append(spool.enqueue(state, digest.recipient, digest_text(digest, self.settings.max_segments), now,
                                          self.run_id, _digest_about(digest)))
        for number in numbers if alert else []:
            decision = policy.decide(state, alert, number, now, self.limits)
            if decision.fate == policy.SEND:
                outgoing.append(spool.enqueue(state, number, text, now, self.run_id, alert.summary()))
            else:
                result.records.append(journal.record(decision.fate, now, number, decision.reason, alert.summary()))
        outgoing += spool.claim_waiting(state, now, self.run_id)
        return outgoing

    def _settle(self, state: dict, outcomes: dict, now: float, result: RunResult) -> None:
        policy.complete(state)
        for item_id, outcome in outcomes.items():
            item = spool.find(state, item_id)
            if item is None or item.get("claimed_by") != self.run_id:
                continue  # another run took it over after our deadline: it records the outcome
            details = {"text": item["text"], "attempts": item.get("attempts", 0) + 1, "queued_at": item["created"]}
            about = item["about"]
            if outcome.delivery == DELIVERED:
                spool.remove(state, item_id)
                event = journal.DIGEST_SENT if about.get("digest") else journal.SENT
                result.records.append(journal.record(event, now, item["recipient"], "", about, **details))
                continue
            if outcome.unsendable:
                spool.remove(state, item_id)
                result.records.append(journal.record(journal.FAILED, now, item["recipient"], outcome.error, about, **details))
                result.worsen(EXIT_PERMANENT)
                continue
            spool.release(state, item_id, self.run_id, outcome.error)
            reason = outcome.error + ("; kept for a later try" if outcome.delivery == "not_delivered"
                                      else "; kept for a later try, a duplicate is better than a lost alert")
            result.records.append(journal.record(journal.SPOOLED, now, item["recipient"], reason, about, delivery=outcome.delivery, **details))
            result.worsen(EXIT_TEMPORARY if outcome.temporary else EXIT_PERMANENT)

    def execute(self, alert: Optional[Alert]) -> RunResult:
        """Handle ``alert`` (None for a bare ``--flush``) and deliver whatever waits in the spool."""
        result = RunResult()
        now = self.clock()
        numbers = self.recipients(alert, result, now) if alert else []
        text = message.render(self.settings.template, alert, self.settings.max_segments) if alert else ""
        state_file = self.state_dir / STATE_FILE
        with updating_state(state_file, policy.empty_state()) as state:
            outgoing = self._decide(state, alert, numbers, text, now, result)
            journal.append(self.state_dir, result.records)
        if outgoing:
            deadline = self.started + SEND_DEADLINE
            outcomes = self.sender(self.credentials, self.settings.api_url, self.settings.validate_certs,
                                   self.settings.sms_id or None, outgoing, deadline)
            settled = RunResult()
            with updating_state(state_file, policy.empty_state()) as state:
                self._settle(state, outcomes, self.clock(), settled)
                journal.append(self.state_dir, settled.records)
            result.records += settled.records
            result.worsen(settled.exit_code)
        return result

    def preview(self, alert: Optional[Alert]) -> RunResult:
        """``--dry-run``: the SMS and the decisions a real run would make; nothing sent, nothing written."""
        result = RunResult()
        now = self.clock()
        numbers = self.recipients(alert, result, now) if alert else []
        text = message.render(self.settings.template, alert, self.settings.max_segments) if alert else ""
        state_file = self.state_dir / STATE_FILE
        state = read_state(state_file, policy.empty_state()) if state_file.exists() else policy.empty_state()
        outgoing = self._decide(state, alert, numbers, text, now, result)
        for item in outgoing:
            size = measure(item["text"])
            result.previews.append({"recipient": item["recipient"], "text": item["text"], "encoding": size.encoding,
                                    "segments": size.segments, "characters": size.units,
                                    "kind": "digest" if item["about"].get("digest") else "alert" if item["created"] == now else "spooled"})
        return result
