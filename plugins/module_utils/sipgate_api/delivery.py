# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The delivery core: every SMS that module, callback or notifier sends goes out through ``deliver``.

``deliver`` sends a batch over a few threads and says, per SMS, what became of it in the words of
``outcomes``. It never repeats a send itself (the client's retry policy decides what is safe), it
stops starting new sends once an answer concerns every SMS (wrong credentials, sipgate down), and
it can be cut short by a deadline or a signal: then an SMS whose answer is still out is
``unknown`` and one never started is ``not_delivered``. Writing down intent before and outcome
after is the caller's job (its ledger); ``StopSignals`` gives it the chance to do so when the
process is told to stop mid-send.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any, Iterable, Optional

from .errors import SipgateError
from .frozen import Frozen
from .outcomes import DELIVERED, NOT_DELIVERED, UNKNOWN, UNSENDABLE
from .request import SmsRequest

VERDICTS = {DELIVERED: "sent", NOT_DELIVERED: "not sent", UNSENDABLE: "not sent (refused as malformed)",
            UNKNOWN: "delivery unknown"}
# How a reason starts when the SMS was never sent because an earlier answer concerned every SMS.
NOT_TRIED = "not tried: "
# How often the waiting thread looks at the clock and at signals.
_POLL_SECONDS = 0.05


class Outcome(Frozen):
    """What became of one SMS. ``attempted`` is false when its request never went out."""

    __slots__ = ("sms", "delivery", "error", "attempted")
    sms: SmsRequest
    delivery: str
    error: Optional[SipgateError]
    attempted: bool

    def __init__(self, sms: SmsRequest, delivery: str, error: Optional[SipgateError] = None, attempted: bool = True) -> None:
        self._set(sms=sms, delivery=delivery, error=error, attempted=attempted)

    @property
    def verdict(self) -> str:
        """In plain words: sent, not sent, delivery unknown."""
        return VERDICTS.get(self.delivery, self.delivery)

    @property
    def reason(self) -> str:
        if self.error is None:
            return ""
        return self.error.message if self.attempted else NOT_TRIED + self.error.message


class Delivery(Frozen):
    """The outcomes of a batch in input order, and the name of the signal that cut it short, if one did."""

    __slots__ = ("outcomes", "interrupted_by")
    outcomes: tuple
    interrupted_by: str

    def __init__(self, outcomes: tuple, interrupted_by: str = "") -> None:
        self._set(outcomes=outcomes, interrupted_by=interrupted_by)

    def count(self, delivery: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.delivery == delivery)


class StopSignals:
    """While active, SIGINT, SIGTERM and SIGHUP are noted instead of ending the process mid-send.

    The caller then records what it knows and exits. A second signal ends the process at once;
    whatever was recorded as in flight then reads as delivery unknown to the next run.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __init__(self) -> None:
        self.received: Optional[int] = None
        self._previous: dict = {}

    def __enter__(self) -> StopSignals:
        # Handlers can only be set from the main thread; elsewhere the process's own handling stays.
        if threading.current_thread() is threading.main_thread():
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._note)
        return self

    def __exit__(self, *exc: Any) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _note(self, number: int, _frame: Any) -> None:
        if self.received is not None:
            raise SystemExit(128 + number)
        self.received = number

    @property
    def name(self) -> str:
        return signal.Signals(self.received).name if self.received else ""


class _Batch:
    """The shared bookkeeping of one ``deliver`` call; every field is guarded by ``lock``."""

    def __init__(self, client: Any, batch: list, deadline: Optional[float], stop: Optional[StopSignals]) -> None:
        self.client = client
        self.batch = batch
        self.deadline = deadline
        self.stop = stop
        self.lock = threading.Lock()
        self.changed = threading.Event()
        self.next_index = 0
        self.started: set = set()
        self.outcomes: dict = {}
        self.halt: Optional[SipgateError] = None

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.received is not None

    def may_start(self) -> bool:
        return self.halt is None and not self.stopped() and not self.out_of_time() and self.next_index < len(self.batch)

    def work(self) -> None:
        while True:
            with self.lock:
                if not self.may_start():
                    return
                # The first request goes alone: if its answer concerns every SMS (wrong credentials,
                # no balance), it is the only one made.
                waiting_for_first = self.next_index > 0 and 0 not in self.outcomes
                if not waiting_for_first:
                    index = self.next_index
                    self.next_index += 1
                    self.started.add(index)
            if waiting_for_first:
                self.changed.wait(_POLL_SECONDS)
                continue
            outcome = _send(self.client, self.batch[index], self.deadline)
            with self.lock:
                self.outcomes[index] = outcome
                if outcome.error is not None and outcome.error.concerns_every_sms:
                    self.halt = outcome.error
            self.changed.set()

    def finished(self) -> bool:
        with self.lock:
            return len(self.outcomes) == len(self.started) and not self.may_start()

    def wait(self) -> None:
        while not self.finished():
            if self.stopped() or self.out_of_time():
                return
            self.changed.wait(_POLL_SECONDS)
            self.changed.clear()

    def outcome_of(self, index: int) -> Outcome:
        with self.lock:
            if index in self.outcomes:
                return self.outcomes[index]
            sms = self.batch[index]
            why = ("the process was told to stop ({0})".format(self.stop.name) if self.stopped() else
                   "the time for sending ran out")
            if index in self.started:
                return Outcome(sms, UNKNOWN, SipgateError("{0} while sipgate's answer was still out: delivery unknown, "
                                                          "the SMS may or may not have gone out".format(why), delivery=UNKNOWN,
                                                          temporary=True))
            if self.halt is not None:
                return Outcome(sms, NOT_DELIVERED, self.halt, attempted=False)
            return Outcome(sms, NOT_DELIVERED, SipgateError(why, temporary=True), attempted=False)


def _send(client: Any, sms: SmsRequest, deadline: Optional[float]) -> Outcome:
    try:
        client.send(sms, deadline=deadline)
    except SipgateError as error:
        return Outcome(sms, error.delivery, error)
    except Exception as error:  # pylint: disable=broad-exception-caught
        # Whatever went wrong, the request may have left: the record must say so, not vanish.
        return Outcome(sms, UNKNOWN, SipgateError("sending failed unexpectedly ({0}: {1}): delivery unknown".format(
            type(error).__name__, error), delivery=UNKNOWN, temporary=True))
    return Outcome(sms, DELIVERED)


def deliver(client: Any, batch: Iterable[SmsRequest], concurrency: int, deadline: Optional[float] = None,
            stop: Optional[StopSignals] = None) -> Delivery:
    """Send ``batch`` with at most ``concurrency`` requests at a time; ``deadline`` is a ``time.monotonic()`` moment.

    Sending threads are daemons: a request still out when the deadline or a signal ends the wait
    does not keep the process alive, and its SMS is reported as delivery unknown.
    """
    work = _Batch(client, list(batch), deadline, stop)
    threads = [threading.Thread(target=work.work, name="sipgate-send-{0}".format(slot), daemon=True)
               for slot in range(min(max(1, concurrency), len(work.batch)))]
    for thread in threads:
        thread.start()
    work.wait()
    return Delivery(tuple(work.outcome_of(index) for index in range(len(work.batch))), stop.name if stop else "")


def resolve_sms_id(client: Any, sms_id: Optional[str]) -> str:
    """``sms_id`` as given, or the account's first SMS extension (which needs the scope sms:read)."""
    if sms_id:
        return sms_id
    try:
        extensions = client.sms_extensions()
    except SipgateError as error:
        if error.status == 403:
            raise SipgateError("sms_id is not set and looking it up was refused (HTTP 403): give sms_id "
                               "(or SIPGATE_SMS_ID), or give the token the scope sms:read", status=403) from None
        raise
    ids = [str(extension.get("id")) for extension in extensions if isinstance(extension, dict) and extension.get("id")]
    if not ids:
        raise SipgateError("sms_id is not set and the account has no SMS extension: book the SMS feature, or give sms_id")
    return ids[0]
