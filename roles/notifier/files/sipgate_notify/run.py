# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the notifier: decide under the lock, send without it, record the outcome under it again.

Fail open: an unusable state file is set aside and the run goes on with what was usable in it;
a state that cannot be locked or written at all sends the alert without dedup and budget. Either
way the problem is reported loudly and the exit code says whether the SMS went out.
"""

from __future__ import annotations

import os
import time

from sipgate_api.state_file import StateFileError, read_state, recovering_state  # pylint: disable=import-error
from sipgate_api.errors import SmsValidationError  # pylint: disable=import-error
from sipgate_api.outcomes import DELIVERED, NOT_DELIVERED, UNKNOWN  # pylint: disable=import-error

from . import events, journal, number_book, policy, spool, state_shape
from .alert import Alert
from .config import ConfigError, Settings, credentials_of

# Only what a run that decides needs is imported: sending (requests), the text (fitting) and the
# check of a number not seen before (phonenumbers) are imported where they are used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

    from sipgate_api.credentials import Credentials  # pylint: disable=import-error

    from .delivery import Outcome

    # Sends outbox items until a deadline (a time.monotonic() moment), noting a stop signal: outcome per item id.
    Sender = Callable[[list, float, Any], dict]
    T = TypeVar("T")

EXIT_OK = 0
EXIT_TEMPORARY = 1
EXIT_PERMANENT = 2

STATE_FILE = "state.json"
# Sends must be over before the engines' 30 s notification timeout, with room to record them.
SEND_DEADLINE = 22.0
# A run waits this long for the state's lock, then sends without it (fail open) while time is left.
LOCK_WAIT = 10.0


def network_sender(settings: Settings, credentials: Optional[Credentials] = None) -> Sender:
    """The sender that talks to sipgate through the helper's delivery core (credentials from the settings by default)."""
    def send(items: list, deadline: float, stop: Any) -> dict:
        # Imported here: it imports requests, which only runs that send should pay for.
        from .delivery import Outcome, deliver  # pylint: disable=import-outside-toplevel

        try:
            chosen = credentials or credentials_of(settings)
        except (ConfigError, SmsValidationError) as error:  # the token, read only now, is gone from the file: nothing is sent
            return {item["id"]: Outcome(item["id"], NOT_DELIVERED, str(error), temporary=False) for item in items}
        return deliver(chosen, settings.api_url, settings.validate_certs, settings.sms_id or None, items, deadline, stop)
    return send


class RunResult:
    """What a run did: its exit code, the journal's records, the previews of a dry run."""

    def __init__(self, exit_code: int = EXIT_OK, records: Optional[list] = None, previews: Optional[list] = None,
                 journaled: bool = True, unkept: int = 0) -> None:
        self.exit_code = exit_code
        self.records: list = [] if records is None else records
        self.previews: list = [] if previews is None else previews
        # False when the journal could not take the records (they went to stderr and syslog only).
        self.journaled = journaled
        # SMS neither delivered nor kept in the outbox (the state could not be used): lost unless the caller retries.
        self.unkept = unkept

    def worsen(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)


def _digest_about(digest: policy.Digest) -> dict:
    return {"digest": True, "alerts_total": digest.total,
            "alerts": [{"subject": entry["subject"], "states": entry["states"], "type": entry["type"], "alerts": entry["alerts"]}
                       for entry in digest.entries]}


def about_each_alert(about: dict) -> list:
    """What the journal says an SMS was about, one entry per alert: a bulk SMS carries several."""
    if about.get("bulk"):
        return [dict(alert, bulk=len(about["alerts"])) for alert in about["alerts"]]
    return [about]


def digest_text(digest: policy.Digest, max_segments: int) -> str:
    from . import message  # pylint: disable=import-outside-toplevel  # only a text that goes out is made

    items = [message.digest_item(entry["subject"], entry["states"], entry["type"]) for entry in digest.entries]
    return message.digest(digest.total, items, max_segments)


class Incoming:
    """What a run was handed: one alert with its recipients, and a bulk's alerts per recipient.

    The alert's text is made when it is first asked for: an alert that is deduplicated or held needs none.
    """

    def __init__(self, run: Run, alert: Optional[Alert], numbers: list, batches: Dict[str, List[Alert]]) -> None:
        self.run = run
        self.alert = alert
        self.numbers = numbers
        self.batches = batches
        self._text: Optional[str] = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.run.alert_text(self.alert) if self.alert else ""
        return self._text

    def direct(self) -> list:
        """(number, text, about) of every SMS, for sending without the state."""
        run = self.run
        sms = [(number, self.text, self.alert.summary()) for number in self.numbers] if self.alert else []
        return sms + [(number, run.bulk_text(batch), run.bulk_about(batch)) for number, batch in self.batches.items()]


class Run:
    """Everything one invocation does, with the clock and the sender injectable for tests.

    ``credentials`` may be None: they are then made from the settings when an SMS goes out.
    ``stop`` is a stop signal the caller shares (with ``received`` and ``name`` like ``StopSignals``),
    for a process whose own signal handling ends the sends of many runs; without it, a run notes
    SIGTERM and SIGINT itself while it sends. ``lock_wait`` bounds the wait for the state's lock
    before sending (None: as long as it takes).
    """

    def __init__(self, settings: Settings, credentials: Optional[Credentials], clock: Callable[[], float] = time.time,
                 sender: Optional[Sender] = None, started: Optional[float] = None, stop: Any = None,
                 lock_wait: Optional[float] = LOCK_WAIT) -> None:
        self.settings = settings
        self.credentials = credentials
        self.clock = clock
        self.sender = sender or network_sender(settings, credentials)
        self.started = time.monotonic() if started is None else started
        self.limits = policy.Limits(settings.dedup_window, settings.budget, settings.budget_window)
        self.state_dir = settings.state_dir
        self.state_path = os.path.join(settings.state_dir, STATE_FILE)
        self.run_id = spool.new_run_id()
        self.stop = stop
        self.lock_wait = lock_wait
        # Reports about the state file, journaled with the run's next records.
        self.problems: list = []

    def recipients(self, alert: Alert, result: RunResult, now: float, book: number_book.NumberBook) -> list:
        """The alert's recipients in E.164 (the settings' when the engine gave none); bad ones journaled."""
        numbers = []
        for raw in alert.recipients or self.settings.recipients:
            try:
                number = book.e164(raw)
            except SmsValidationError as error:
                result.records.append(journal.record(events.FAILED, now, str(raw), str(error), alert.summary()))
                result.worsen(EXIT_PERMANENT)
                continue
            if number not in numbers:
                numbers.append(number)
        if not numbers and not alert.recipients and not self.settings.recipients:
            result.records.append(journal.record(events.FAILED, now, "", "no recipient: give the contact a pager number "
                                                 "(or -r, or recipients in the settings)", alert.summary()))
            result.worsen(EXIT_PERMANENT)
        return numbers

    def alert_text(self, alert: Alert) -> str:
        from . import message  # pylint: disable=import-outside-toplevel  # only a text that goes out is made

        return message.render(self.settings.template, alert, self.settings.max_segments)

    def _decide(self, state: dict, incoming: Incoming, now: float, result: RunResult) -> list:
        """Under the lock: digests due, this alert's fate per recipient, the spool; the SMS this run sends."""
        policy.complete(state)
        rewound = state_shape.rewind_future(state, now, self.settings.unknown_hold_off)
        if rewound:
            self._report("{0} moments in {1} lay in the future (the clock was set back): counted from now, so no window "
                         "lasts longer than its length".format(rewound, self.state_path))
        policy.prune(state, now, self.limits)
        number_book.forget_unused(state["numbers"], now)
        for item in spool.expire(state, now, self.settings.spool_max_age):
            result.records += [journal.record(events.FAILED, now, item["recipient"], "undelivered for too long, given up: " +
                                              item.get("last_error", ""), about, text=item["text"]) for about in about_each_alert(item["about"])]
        outgoing = []
        for digest in policy.due_digests(state, now, self.limits):
            outgoing.append(spool.enqueue(state, digest.recipient, digest_text(digest, self.settings.max_segments), now,
                                          self.run_id, _digest_about(digest)))
        alert = incoming.alert
        for number in incoming.numbers if alert else []:
            decision = policy.decide(state, alert, number, now, self.limits)
            if decision.fate == policy.SEND:
                outgoing.append(spool.enqueue(state, number, incoming.text, now, self.run_id, alert.summary()))
            else:
                result.records.append(journal.record(decision.fate, now, number, decision.reason, alert.summary()))
        claimed, lost = spool.claim_waiting(state, now, self.run_id, self.settings.unknown_hold_off)
        for entry in lost:
            self._record_lost(entry, now, result)
        return outgoing + claimed

    def _record_lost(self, lost: spool.Lost, now: float, result: RunResult) -> None:
        """An SMS whose run ended while it was in flight: it may have gone out, so it is tried once more at most."""
        item = lost.item
        details = {"text": item["text"], "attempts": item["attempts"], "queued_at": item["created"]}
        if lost.quarantined:
            journal.alarm("quarantined the SMS to {0}: twice in flight without an answer; it is not sent again".format(item["recipient"]))
            reason = item["last_error"] + "; twice without an answer: not sent again (see quarantine in state.json)"
            result.records += [journal.record(events.QUARANTINED, now, item["recipient"], reason, each, **details)
                               for each in about_each_alert(item["about"])]
            return
        reason = item["last_error"] + "; sent once more after {0:.0f} s".format(self.settings.unknown_hold_off)
        result.records += [journal.record(events.DELIVERY_UNKNOWN, now, item["recipient"], reason, each, **details)
                           for each in about_each_alert(item["about"])]

    def bulk_recipients(self, bulk: Sequence[Alert], result: RunResult, now: float, book: number_book.NumberBook) -> Dict[str, List[Alert]]:
        """The alerts of a bulk per recipient, in their order; each recipient gets one SMS for the bulk."""
        batches: Dict[str, List[Alert]] = {}
        for alert in bulk:
            for number in self.recipients(alert, result, now, book):
                batches.setdefault(number, []).append(alert)
        return batches

    def _incoming(self, alert: Optional[Alert], bulk: Sequence[Alert], result: RunResult, now: float,
                  state: Optional[dict]) -> Incoming:
        """What this run was handed: an alert's recipients, or a bulk's alerts per recipient.

        ``state`` is the state (its spellings of numbers are used and added to), or None without one.
        """
        book = number_book.NumberBook(self.settings.region, policy.complete(state)["numbers"] if state is not None else None, now)
        numbers = self.recipients(alert, result, now, book) if alert else []
        return Incoming(self, alert, numbers, self.bulk_recipients(bulk, result, now, book))

    def _decide_all(self, state: dict, incoming: Incoming, now: float, result: RunResult) -> list:
        outgoing = self._decide(state, incoming, now, result)
        return outgoing + self._decide_bulk(state, incoming.batches, now, result)

    def _decide_bulk(self, state: dict, batches: Dict[str, List[Alert]], now: float, result: RunResult) -> list:
        """Under the lock: per recipient, the bulk's alerts that go out, together in one SMS."""
        outgoing = []
        for number, batch in batches.items():
            sending = []
            for alert, decision in zip(batch, policy.decide_bulk(state, batch, number, now, self.limits)):
                if decision.fate == policy.SEND:
                    sending.append(alert)
                else:
                    result.records.append(journal.record(decision.fate, now, number, decision.reason, alert.summary()))
            if sending:
                outgoing.append(spool.enqueue(state, number, self.bulk_text(sending), now, self.run_id, self.bulk_about(sending)))
        return outgoing

    def bulk_text(self, alerts: List[Alert]) -> str:
        from . import message  # pylint: disable=import-outside-toplevel  # only a text that goes out is made

        return message.bulk(self.settings.template, alerts, self.settings.max_segments)

    @staticmethod
    def bulk_about(alerts: List[Alert]) -> dict:
        return alerts[0].summary() if len(alerts) == 1 else {"bulk": True, "alerts": [alert.summary() for alert in alerts]}

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
                event = events.DIGEST_SENT if about.get("digest") else events.SENT
                result.records += [journal.record(event, now, item["recipient"], "", each, **details) for each in about_each_alert(about)]
                continue
            if outcome.unsendable:
                spool.remove(state, item_id)
                result.records += [journal.record(events.FAILED, now, item["recipient"], outcome.error, each, **details)
                                   for each in about_each_alert(about)]
                result.worsen(EXIT_PERMANENT)
                continue
            if outcome.delivery == UNKNOWN:
                self._hold_unknown(state, item, outcome, now, result, details)
                continue
            spool.release(state, item_id, self.run_id, outcome.error)
            result.records += [journal.record(events.SPOOLED, now, item["recipient"], outcome.error + "; kept for a later try", each,
                                              delivery=outcome.delivery, **details) for each in about_each_alert(about)]
            result.worsen(EXIT_TEMPORARY if outcome.temporary else EXIT_PERMANENT)

    def _hold_unknown(self, state: dict, item: dict, outcome: Outcome, now: float, result: RunResult, details: dict) -> None:
        """No answer: the SMS may have gone out. One more try after a hold-off, or quarantine after a second unknown."""
        quarantined = spool.hold_unknown(state, item["id"], self.run_id, outcome.error, now, self.settings.unknown_hold_off)
        if quarantined:
            journal.alarm("quarantined the SMS to {0}: delivery unknown twice; it is not sent again".format(item["recipient"]))
            result.records += [journal.record(events.QUARANTINED, now, item["recipient"], outcome.error +
                                              "; unknown twice: not sent again (see quarantine in state.json)",
                                              each, delivery=outcome.delivery, **details) for each in about_each_alert(item["about"])]
            result.worsen(EXIT_PERMANENT)
            return
        reason = outcome.error + "; sent once more after {0:.0f} s".format(self.settings.unknown_hold_off)
        result.records += [journal.record(events.DELIVERY_UNKNOWN, now, item["recipient"], reason, each, delivery=outcome.delivery,
                                          **details) for each in about_each_alert(item["about"])]
        result.worsen(EXIT_TEMPORARY)

    def _state(self, wait: Optional[float]) -> Any:
        """The shared state, locked, as (state, notes); an unusable file is set aside, and the notes say so.

        Before sending, a lock held too long is given up on (the alert then goes out without the
        state); an outcome is waited for without a limit, as giving up would leave an SMS that went
        out looking unsettled, to be sent once more.
        """
        return recovering_state(self.state_path, policy.empty_state(), state_shape.usable, wait=wait)

    def _report_all(self, notes: List[str]) -> None:
        for note in notes:
            self._report(note)

    def _report(self, problem: str) -> None:
        journal.alarm(problem)
        self.problems.append(journal.record(events.STATE_PROBLEM, self.clock(), reason=problem))

    def _journal(self, records: list) -> bool:
        """After the state is recorded: a journal that cannot be written must not undo that. True when written."""
        written = journal.append(self.state_dir, self.problems + records)
        self.problems = []
        return written

    def _send(self, items: list, stop: Any = None) -> dict:
        return self.sender(items, self.started + SEND_DEADLINE, stop)

    def _noting_signals(self, work: Callable[[Any], T]) -> Tuple[T, Any]:
        """``work(stop)``, with SIGTERM and SIGINT noted in ``stop`` instead of obeyed; its result and ``stop``.

        ``stop`` is the one the caller shares, or this run's own while ``work`` runs. A signal
        received is reported; the caller records what is known, then obeys it.
        """
        if self.stop is not None:
            done, stop = work(self.stop), self.stop
        else:
            from sipgate_api.delivery import StopSignals  # pylint: disable=import-error,import-outside-toplevel

            with StopSignals() as stop:
                done = work(stop)
        if stop.received:
            journal.alarm("stopped by {0} while sending; what was known is recorded".format(stop.name))
        return done, stop

    def _send_without_state(self, direct: list, now: float, result: RunResult, trouble: StateFileError) -> RunResult:
        """Fail open: the alert goes straight out, without dedup and budget; the spool waits for a usable state.

        ``direct`` holds (number, text, about) of every SMS the alert (or bulk) would send.
        """
        self._report("{0}; sending without deduplication and budget, spooled SMS wait".format(trouble))
        if not direct:
            journal.alarm("--flush cannot deliver the spool while the state cannot be used")
            result.worsen(EXIT_TEMPORARY)
        items = [spool.enqueue(policy.empty_state(), number, text, now, self.run_id, about) for number, text, about in direct]
        outcomes = self._noting_signals(lambda stop: self._send(items, stop))[0] if items else {}
        for item in items:
            self._record_unspooled(item, outcomes[item["id"]], now, result)
        result.journaled = self._journal(result.records)
        return result

    @staticmethod
    def _record_unspooled(item: dict, outcome: Outcome, now: float, result: RunResult) -> None:
        """Journal an SMS sent without the state; one that did not go out is lost unless the engine retries: say so."""
        if outcome.delivery == DELIVERED:
            result.records.append(journal.record(events.SENT, now, item["recipient"], "sent without deduplication and budget: "
                                                 "the state cannot be used", item["about"], text=item["text"]))
            return
        journal.alarm("the SMS to {0} did not go out and cannot be spooled while the state cannot be used".format(item["recipient"]))
        result.unkept += 1
        result.records.append(journal.record(events.FAILED, now, item["recipient"], outcome.error + "; not delivered and "
                                             "not spooled: the state cannot be used", item["about"], text=item["text"],
                                             delivery=outcome.delivery))
        result.worsen(EXIT_PERMANENT if outcome.unsendable else EXIT_TEMPORARY)

    def _settled_unrecorded(self, state: dict, outcomes: dict, trouble: StateFileError) -> RunResult:
        """The outcomes told from the state as this run left it, when the state cannot take them any more."""
        settled = RunResult()
        self._settle(state, outcomes, self.clock(), settled)
        self._report("{0}; the outcome of {1} SMS just sent is not recorded: the spool still holds them and may send them "
                     "again after {2:.0f} s".format(trouble, len(outcomes), spool.STALE_CLAIM))
        return settled

    def execute(self, alert: Optional[Alert], bulk: Sequence[Alert] = (),
                decided: Optional[Callable[[RunResult], None]] = None) -> RunResult:
        """Handle ``alert`` (None for a bare ``--flush``) or a ``bulk`` of alerts, and deliver whatever waits in the spool.

        ``decided`` is called once every SMS is held, deduplicated or in the outbox and the decisions
        are journaled, before anything is sent (not when the state cannot be used: then nothing is
        kept before it is sent).
        """
        result = RunResult()
        now = self.clock()
        incoming: Optional[Incoming] = None
        decisions = RunResult()
        try:
            with self._state(self.lock_wait) as (state, notes):
                now = self.clock()  # once the lock is held: other runs may have written later moments meanwhile
                self._report_all(notes)
                incoming = self._incoming(alert, bulk, result, now, state)
                outgoing = self._decide_all(state, incoming, now, decisions)
        except StateFileError as trouble:
            if incoming is None:
                incoming = self._incoming(alert, bulk, result, now, None)
            return self._send_without_state(incoming.direct(), now, result, trouble)
        result.records += decisions.records
        result.worsen(decisions.exit_code)
        result.journaled = self._journal(result.records)
        if decided is not None:
            decided(result)
        if outgoing:
            settled = self._send_and_settle(state, outgoing)
            result.journaled = self._journal(settled.records) and result.journaled
            result.records += settled.records
            result.worsen(settled.exit_code)
        return result

    def _send_and_settle(self, state: dict, outgoing: list) -> RunResult:
        """Send what was claimed and record the outcomes; a stop signal mid-send is noted, recorded, then obeyed."""
        settled, stop = self._noting_signals(lambda stop: self._send_and_record(state, outgoing, stop))
        if stop.received:
            settled.worsen(EXIT_TEMPORARY)
        return settled

    def _send_and_record(self, state: dict, outgoing: list, stop: Any) -> RunResult:
        settled = RunResult()
        outcomes = self._send(outgoing, stop)
        try:
            with self._state(wait=None) as (recorded, notes):
                self._report_all(notes)
                self._settle(recorded, outcomes, self.clock(), settled)
        except StateFileError as trouble:
            settled = self._settled_unrecorded(state, outcomes, trouble)
        return settled

    def _peek_state(self) -> dict:
        """The state as a dry run sees it: problems reported, nothing set aside, nothing created."""
        path = self.state_path
        if not os.path.lexists(path):
            return policy.empty_state()
        try:
            state, problems = state_shape.usable(read_state(path, policy.empty_state()))
        except StateFileError as error:
            state, problems = policy.empty_state(), [str(error)]
        if problems:
            journal.alarm("state file {0} is unusable ({1}); a real run sets it aside (not this dry run)".format(path, "; ".join(problems)))
        return state

    def preview(self, alert: Optional[Alert], bulk: Sequence[Alert] = ()) -> RunResult:
        """``--dry-run``: the SMS and the decisions a real run would make; nothing sent, nothing written."""
        result = RunResult()
        now = self.clock()
        state = self._peek_state()
        outgoing = self._decide_all(state, self._incoming(alert, bulk, result, now, state), now, result)
        from sipgate_api.encoding import measure  # pylint: disable=import-error,import-outside-toplevel

        for item in outgoing:
            size = measure(item["text"])
            result.previews.append({"recipient": item["recipient"], "text": item["text"], "encoding": size.encoding,
                                    "segments": size.segments, "characters": size.units,
                                    "kind": "digest" if item["about"].get("digest") else "bulk" if item["about"].get("bulk")
                                    else "alert" if item["created"] == now else "spooled"})
        return result
