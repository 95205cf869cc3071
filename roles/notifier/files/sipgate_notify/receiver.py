# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a webhook notification to SMS through the notifier's ``Run``, and the answer its sender gets.

A notification is a group of alerts; it goes through ``Run.execute`` as a bulk, so each recipient
gets one SMS for the group's alerts that are due (the others are deduplicated or held for a
digest, each journaled), under the same lock, budget, outbox and journal as every engine's alert.

The answer is given as soon as every SMS of the notification is journaled or in the outbox, before
the sending: the outbox is a write-ahead ledger, so what is in it goes out even if this process
dies. 2xx only then; 5xx when the journal could not be written or an SMS could be neither sent nor
kept (Alertmanager then sends the notification again, and what did go out is deduplicated); 4xx
for what a retry would not mend (a malformed payload, no or an invalid recipient). When the state
cannot be used at all, the SMS go straight out first (fail open) and only one that did not go out
is answered 5xx: nothing could deduplicate the retry of one that did.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from sipgate_api.credentials import Credentials  # pylint: disable=import-error

from . import alertmanager, events, journal
from .alert import Alert, split_recipients
from .config import Settings
from .run import Run, RunResult
from .serve_settings import ServeSettings

if TYPE_CHECKING:
    from .run import Sender

RECIPIENTS_PARAMETER = "to"


@dataclass(frozen=True)
class Answer:
    """The HTTP status and the JSON body a webhook call gets."""

    status: int
    body: dict


class GroupRun(Run):
    """A run whose SMS for a group's alerts says ``FIRING 3 HighLatency web01,web02,+1: summary``."""

    def __init__(self, settings: Settings, credentials: Credentials, group: alertmanager.Group, **options: Any) -> None:
        super().__init__(settings, credentials, **options)
        self.group = group

    def bulk_text(self, alerts: List[Alert]) -> str:
        return alertmanager.group_text(self.settings.alertmanager_template, self.group, alerts, self.settings.max_segments)


def recipients_in(query: str) -> Tuple[str, ...]:
    """The numbers of ``?to=+49…,+49…`` (the parameter may repeat).

    The raw query is read, not form-decoded: a ``+`` is the number's own, as written in
    alertmanager.yml, never a space; ``%2B`` is a ``+`` too.
    """
    numbers: List[str] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _equals, value = part.partition("=")
        if unquote(name) != RECIPIENTS_PARAMETER:
            raise alertmanager.PayloadError("unknown query parameter {0!r}: the only one is to=+4915799912345,+4915799912346"
                                            .format(unquote(name)))
        numbers += [number for number in split_recipients(unquote(value)) if number not in numbers]
    return tuple(numbers)


def _reasons(records: Sequence[dict]) -> str:
    return "; ".join(sorted({"{0}: {1}".format(record.get("recipient") or "no recipient", record.get("reason", "")) for record in records}))


def verdict(group: alertmanager.Group, result: RunResult, sent_without_state: bool = False) -> Answer:
    """What the sender of ``group`` is told, from the run's records about its alerts.

    ``sent_without_state``: the state could not be used, so the SMS went straight out (or did not).
    Then only an SMS that did not go out calls for a retry: one that did would go out again, as
    nothing could deduplicate it.
    """
    identities = {alert.identity for alert in group.alerts}
    mine = [record for record in result.records if record.get("identity") in identities]
    counts = dict(Counter(record["event"] for record in mine))
    body: dict = {"alerts": len(group.alerts), "journaled": counts}
    if result.unkept:
        return Answer(503, dict(body, error="{0} SMS neither delivered nor kept: the state cannot be used (see the receiver's log); "
                                            "send the notification again".format(result.unkept)))
    if not result.journaled and not sent_without_state:
        return Answer(503, dict(body, error="the journal could not be written (see the receiver's log); send the notification again"))
    if sent_without_state:
        body["warning"] = "sent without deduplication and budget: the state cannot be used (see the receiver's log)"
    failed = [record for record in mine if record["event"] == events.FAILED]
    if failed:
        return Answer(422, dict(body, error=_reasons(failed)))
    return Answer(200, dict(body, status="accepted"))


class Receiver:
    """Handles webhook notifications and flushes the spool; shared by the server's threads."""

    def __init__(self, settings: Settings, credentials: Credentials, serve: ServeSettings, stop: Any,
                 sender: Optional[Sender] = None) -> None:
        self.settings = settings
        self.credentials = credentials
        self.serve = serve
        # Shared with every run: the server sets it to end their sends when it is told to stop.
        self.stop = stop
        self.sender = sender
        # Under systemd, stderr is the journal already, where syslog lines would land a second time.
        self.log_to_stderr = "JOURNAL_STREAM" not in os.environ or not os.path.exists(journal.SYSLOG_SOCKET)

    def _run(self, run_class: type = Run, **options: Any) -> Run:
        # The server's threads wait for the state's lock in the kernel's queue, first come first served:
        # polling with a time limit would let later calls overtake earlier ones (p99 went from 1.5 s to
        # 6.8 s at 50 concurrent calls). No engine kills the receiver, and the sender's own timeout and
        # retry apply to a call that waits too long.
        return run_class(self.settings, self.credentials, sender=self.sender, stop=self.stop, lock_wait=None, **options)

    def _journal(self, records: List[dict]) -> bool:
        """Records of calls that never reach a run, which would create the state directory: journaled and logged."""
        folder = Path(self.settings.state_dir)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            pass  # journal.append reports it
        written = journal.append(folder, records)
        journal.log(records, stderr=self.log_to_stderr)
        return written

    def refuse(self, reason: str) -> Answer:
        """A request that is no notification: journaled (where the journal can be written) and answered 400."""
        self._journal([journal.record(events.FAILED, time.time(), "", "webhook refused: " + reason, {"source": "webhook"})])
        return Answer(400, {"error": reason})

    def _no_recipient(self, group: alertmanager.Group) -> Answer:
        reason = ("no recipient for receiver {0!r}: add ?to=+4915799912345 to the webhook URL, or {0} = +4915799912345 to "
                  "[receivers] in the settings file".format(group.receiver))
        now = time.time()
        records = [journal.record(events.FAILED, now, "", reason, alert.summary()) for alert in group.alerts]
        return verdict(group, RunResult(records=records, journaled=self._journal(records)))

    def handle(self, body: bytes, query: str, reply: Callable[[Answer], None]) -> None:
        """Decide and journal the notification in ``body``, ``reply`` as soon as that is done, then send."""
        started = time.monotonic()
        try:
            numbers = recipients_in(query)
            group = alertmanager.parse(body)
        except alertmanager.PayloadError as error:
            reply(self.refuse(str(error)))
            return
        numbers = numbers or self.serve.numbers_of(group.receiver)
        if not numbers and not self.settings.recipients:
            reply(self._no_recipient(group))
            return
        alerts = [alert.replace(recipients=numbers) for alert in group.alerts]
        answered: List[Answer] = []

        def decided(result: RunResult) -> None:
            answered.append(verdict(group, result))
            reply(answered[0])

        result = self._run(GroupRun, group=group, started=started).execute(None, alerts, decided=decided)
        if not answered:
            reply(verdict(group, result, sent_without_state=True))
        journal.log(result.records, stderr=self.log_to_stderr)

    def flush(self) -> RunResult:
        """Deliver what waits: spooled SMS, digests whose budget has room, unknown ones after their hold-off."""
        result = self._run().execute(None)
        journal.log(result.records, stderr=self.log_to_stderr)
        return result

    def unready(self) -> str:
        """Why webhooks could not be journaled now, or '' when they can."""
        folder = Path(self.settings.state_dir)
        existing = next((path for path in (folder, *folder.parents) if path.exists()), folder)
        if not existing.is_dir() or not os.access(str(existing), os.W_OK | os.X_OK):
            return "the state directory {0} is not writable for this user".format(folder)
        return ""
