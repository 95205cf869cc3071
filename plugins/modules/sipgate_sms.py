#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sipgate_sms
short_description: Send SMS through sipgate, idempotently
version_added: 0.1.0
description:
  - Sends one SMS to each of O(recipients) through the sipgate REST API, from the web SMS extension O(sms_id).
  - Validates every option before anything is sent. A bad recipient, a blank message or an impossible O(send_at)
    fails the task with a message naming the option, and no SMS goes out.
  - Idempotent per recipient. A send is identified by the extension, the recipient, the message (or O(dedup_key))
    and O(send_at). What was delivered within O(dedup_window) is not sent again; the task is then C(ok) and makes
    no request. After a partial failure a rerun sends only to the recipients that did not get the SMS.
  - Several recipients are sent concurrently, at most O(concurrency) at a time, over one connection pool.
    Once an answer concerns every recipient (wrong credentials, no balance, sipgate unavailable), no further request is made.
  - Reports for every message its encoding (GSM-7 or UCS-2) and the number of SMS segments it costs, and warns when
    that is more than one.
  - Warns when the task runs on several hosts without C(run_once) or C(delegate_to), since each host then keeps its own
    record of sent SMS and each one texts.
    The message itself is never changed or cut; see the P(sipgateio.sms.sms_fit#filter) filter to fit generated texts.
  - Retries a send only when it surely did not take effect (connection refused, HTTP 429, HTTP 503).
    When the answer to a send never arrives (a timeout, a dropped connection, HTTP 502 or 504 from a gateway),
    the module reports the delivery as unknown and does not repeat it; a rerun skips that recipient unless O(force=true).
  - Writes its intent to O(state_file) before the first request and the outcome after the answers. If the record cannot
    be written, nothing is sent. A run stopped mid-send (Ctrl-C, SIGTERM) records what it knows; one killed outright
    leaves its sends recorded as in flight, which later runs report as delivery unknown.
requirements:
  - phonenumbers >= 8.12.57 (Debian's C(python3-phonenumbers)) on the host that runs the module.
extends_documentation_fragment:
  - sipgateio.sms.sipgate
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Never sends and never writes the state file. Read-only requests (the smsId look-up, the history) are made.
  diff_mode:
    support: full
    details: Shows the messages that would go out, one line per recipient.
  idempotent:
    description: When run again with the same arguments, the module does not send again.
    support: partial
    details:
      - Idempotent through a record of sent SMS in O(state_file) on the host that runs the module, kept for O(dedup_window).
      - Controllers that do not share that file send again, unless O(dedup_scope=history) finds the SMS in sipgate's history.
      - A message with O(send_at) given as a relative delay (V(10m)) is identified by that delay, not by the time it resolves to.
  platform:
    platforms: posix
author:
  - sipgateio.sms maintainers (@sipgateio)
seealso:
  - module: sipgateio.sms.sipgate_sms_info
  - plugin: sipgateio.sms.sms_fit
    plugin_type: filter
  - plugin: sipgateio.sms.sipgate_sms
    plugin_type: callback
options:
  sms_id:
    description:
      - The web SMS extension to send from, C(s) followed by digits, like V(s0).
      - If not set, the environment variable E(SIPGATE_SMS_ID) is used; if that is not set either,
        the account's first SMS extension is looked up (scope C(sms:read)).
    type: str
  recipients:
    description:
      - Phone numbers to send to, in international format (V(+4915799912345), V(0049 157 99912345)) or written as in
        O(region) (V(0157 999 12345), V(+49 (0\)157 99912345)). Spaces, dashes, dots, slashes and brackets are accepted.
      - Read and checked with libphonenumber's metadata (the Python library C(phonenumbers)). A number that is not valid
        where it belongs (too short, too long, no such range, unknown country code) fails the task with the reason,
        before anything is sent.
      - Digits without C(+), C(00) or the region's trunk prefix (V(15799912345) in Germany) are refused rather than guessed;
        they could be a national number that lost its C(0) or an international one that lost its C(+).
      - Each is normalised to E.164, like C(+4915799912345); duplicates are sent once.
    type: list
    elements: str
    required: true
    aliases: [recipient]
  msg:
    description:
      - The text. It must not be blank. Up to 160 GSM-7 characters (70 in UCS-2) make one SMS; longer texts are sent as
        several segments, which sipgate bills separately.
      - Tasks may also call this option C(message) (ansible-core reserves that name for itself, so the module's action
        plugin passes it on as O(msg)).
      - Longer texts cost more; see O(max_segments).
    type: str
    required: true
  send_at:
    description:
      - Schedule the SMS instead of sending it now. Unix seconds, an ISO-8601 date-time with a UTC offset
        (V(2030-01-31T08:00:00+01:00)), or a delay like V(10m), V(2h), V(1d), V(1h30m).
      - Must lie in the future and at most 30 days ahead.
    type: raw
  country_code:
    description:
      - Country calling code of the country whose national numbers O(recipients) may contain, like V(49), V(43), V(41), V(44)
        or V(1) (a leading C(+) is accepted). National numbers are read in the country that code belongs to.
      - An empty value or one that is not the calling code of a country fails the task.
      - Mutually exclusive with O(region), which says the same more precisely where several countries share a code.
    type: str
    default: "49"
  region:
    description:
      - The country national numbers in O(recipients) are read in, as an ISO 3166 alpha-2 code like V(DE), V(AT), V(CH),
        V(GB) or V(US); overrides the default of O(country_code).
      - Numbers in the history (O(dedup_scope=history)) are read in the same country.
    type: str
  dedup_key:
    description:
      - Identifies the message for idempotency instead of its text, for example a change ticket number.
        Two tasks with the same key and recipient send once within O(dedup_window), even if the texts differ.
    type: str
  dedup_window:
    description:
      - How long a delivered SMS keeps an identical one from being sent again.
        Seconds, or a duration like V(30m), V(24h), V(7d); at most V(90d), as long as the record keeps a send.
        V(0) turns idempotency off.
    type: raw
    default: 24h
  dedup_scope:
    description:
      - V(local) consults only O(state_file).
      - V(history) also asks sipgate's history of sent SMS (scope C(history:read)) whether the same text already went to
        the recipient within O(dedup_window), so controllers that share no state file send once.
        Every page of the window is read, and each entry's number is compared after normalising it like O(recipients),
        since sipgate writes it in national form (V(01579-9912345)).
        sipgate lists a new SMS in its history only after a moment, so runs seconds apart may both send;
        only the text is compared, so O(dedup_key) does not apply there.
    type: str
    choices: [local, history]
    default: local
  force:
    description:
      - Send even if the same SMS was delivered within O(dedup_window), or its delivery is unknown.
    type: bool
    default: false
  state_file:
    description:
      - The record of sent SMS. Written atomically under a lock, so parallel tasks share it safely.
      - Default C($XDG_STATE_HOME/sipgateio.sms/sent.json), or C(~/.local/state/sipgateio.sms/sent.json).
    type: path
  max_segments:
    description:
      - Refuse, before anything is sent, a message that costs more than this many SMS segments per recipient.
      - A message longer than one segment is sent (and billed) as several; the task warns about that whether or not
        this is set, and names the characters that turn the message into UCS-2 (70 instead of 160 characters).
    type: int
  concurrency:
    description:
      - How many SMS are sent at the same time. Lower it for an account with tight limits; V(1) sends one after the other.
    type: int
    default: 16
"""

EXAMPLES = r"""
- name: Tell the on-call people, with the token from Ansible Vault
  sipgateio.sms.sipgate_sms:
    token_id: token-ABC123
    token: "{{ vault_sipgate_token }}"
    sms_id: s0
    recipients:
      - "+4915799912345"
      - "0157 999 12346"
    message: "Maintenance of web01 starts at 22:00."
  delegate_to: localhost
  run_once: true

- name: Schedule a reminder in two hours (credentials from SIPGATE_TOKEN_ID and SIPGATE_TOKEN)
  sipgateio.sms.sipgate_sms:
    recipient: "+4915799912345"
    msg: "Reminder: the maintenance window closes in one hour."
    send_at: 2h

- name: One SMS per change ticket, whatever the text says, even from several controllers
  sipgateio.sms.sipgate_sms:
    recipients: "{{ oncall_numbers }}"
    message: "CHG-{{ ticket }} deployed to {{ ansible_play_hosts | length }} hosts."
    dedup_key: "CHG-{{ ticket }}"
    dedup_window: 7d
    dedup_scope: history

- name: See what would be sent, without sending
  sipgateio.sms.sipgate_sms:
    recipients: "{{ oncall_numbers }}"
    message: "Test"
  check_mode: true
  diff: true
  register: preview
"""

RETURN = r"""
sms_id:
  description: The SMS extension sent from (looked up when not given).
  returned: always
  type: str
  sample: s0
encoding:
  description: Encoding of the message, V(gsm7) or V(ucs2) (any character outside GSM-7 makes it UCS-2).
  returned: always
  type: str
  sample: gsm7
segments:
  description: SMS segments the message costs per recipient.
  returned: always
  type: int
  sample: 1
sent:
  description: Recipients the SMS was sent to in this run (in check mode, would be sent to).
  returned: always
  type: list
  elements: str
  sample: ["+4915799912345"]
skipped_recipients:
  description: Recipients not sent to, and why.
  returned: always
  type: list
  elements: dict
  sample: [{"recipient": "+4915799912346", "reason": "already sent at 2026-11-25T08:00:00Z (within dedup_window)"}]
results:
  description: What happened per recipient.
  returned: always
  type: list
  elements: dict
  contains:
    recipient:
      description: The recipient in E.164.
      type: str
    status:
      description:
        - V(sent), V(would_send) (check mode), V(skipped), V(failed) (surely not sent, a rerun sends it)
          or V(unknown) (the SMS may have gone out; a rerun skips it unless O(force=true)).
      type: str
    encoding:
      description: V(gsm7) or V(ucs2).
      type: str
    segments:
      description: SMS segments.
      type: int
    send_at:
      description: Scheduled time in Unix seconds, or null.
      type: int
    reason:
      description: Why a recipient was skipped.
      type: str
    error:
      description: Why sending failed or its delivery is unknown, in plain words (C(not tried:) when no request was made).
      type: str
    http_status:
      description: HTTP status of a failed send, if there was an answer.
      type: int
  sample: [{"recipient": "+4915799912345", "status": "sent", "encoding": "gsm7", "segments": 1, "send_at": null}]
interrupted_by:
  description: The signal that stopped the task mid-send (its outcomes so far are recorded).
  returned: when a signal stopped the task
  type: str
  sample: SIGINT
record_error:
  description: Why the outcome could not be written to O(state_file) after sending; the task then fails.
  returned: when the record could not be updated after sending
  type: str
"""

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api import sent_record
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.connection import DEFAULT_CONCURRENCY
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.delivery import (NOT_TRIED, Delivery, Outcome, StopSignals,
                                                                                         deliver, resolve_sms_id)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import UCS2, SmsSize, outside_gsm7
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError, SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import DELIVERED, UNKNOWN
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.phone_numbers import region_of, same_number
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import (SmsRequest, build_requests, delivery_key,
                                                                                        is_relative_delay, parse_duration, validate_sms_id)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file import StateFileError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_module import (HELPER_ERRORS, connection_argument_spec,
                                                                                   connection_from_params, fail_with,
                                                                                   require_phonenumbers, require_requests)

# Per-recipient result statuses.
SENT = "sent"
WOULD_SEND = "would_send"
SKIPPED = "skipped"
FAILED = "failed"


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        sms_id={"type": "str", "fallback": (env_fallback, ["SIPGATE_SMS_ID"])},
        recipients={"type": "list", "elements": "str", "required": True, "aliases": ["recipient"]},
        msg={"type": "str", "required": True},
        send_at={"type": "raw"},
        country_code={"type": "str", "default": "49"},
        region={"type": "str"},
        dedup_key={"type": "str", "no_log": False},
        dedup_window={"type": "raw", "default": "24h"},
        dedup_scope={"type": "str", "choices": ["local", "history"], "default": "local"},
        force={"type": "bool", "default": False},
        state_file={"type": "path"},
        max_segments={"type": "int"},
        concurrency={"type": "int", "default": DEFAULT_CONCURRENCY},
    )
    return spec


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Unrecorded(Exception):
    """SMS went out (or may have) but the record could not be updated: said loudly, never swallowed."""


class SmsTask:
    """One run of the module: validate, decide per recipient, send what is missing, record it."""

    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.now = time.time()
        self.state_file = Path(self.params["state_file"]) if self.params["state_file"] else sent_record.default_state_file()
        self.window = 0
        self.connection: Any = None
        self.client: Any = None

    def validate(self) -> None:
        """Everything that can be checked without the API, before any request."""
        params = self.params
        self.window = parse_duration(params["dedup_window"], "dedup_window")
        if self.window > sent_record.KEEP_SECONDS:
            raise SmsValidationError("dedup_window", "is longer than the {0} days the record of sent SMS is kept".format(
                sent_record.KEEP_SECONDS // 86400), "give {0}d or less".format(sent_record.KEEP_SECONDS // 86400))
        if params["sms_id"]:
            validate_sms_id(params["sms_id"])
        # A stand-in smsId: the real one may still have to be looked up, the rest must be right already.
        messages = build_requests(params["sms_id"] or "s0", params["recipients"], params["msg"], params["send_at"], self.now,
                                  params["country_code"], params["region"], message_field="msg")
        self.check_cost(messages)
        self.connection = connection_from_params(params, self.module.warn, concurrency=params["concurrency"])

    def check_cost(self, messages: list) -> None:
        """Refuse a message over max_segments; warn about one that costs more than one segment."""
        size, limit = messages[0].size, self.params["max_segments"]
        if limit is not None and limit < 1:
            raise SmsValidationError("max_segments", "must be at least 1", "give the most segments a message may cost, like 1")
        if size.segments <= 1:
            return
        why = cost_reason(self.params["msg"], size)
        if limit is not None and size.segments > limit:
            raise SmsValidationError("msg", "costs {0} SMS segments per recipient{1}, more than max_segments={2}".format(
                size.segments, why, limit), "shorten it, replace those characters, or raise max_segments")
        self.module.warn("msg costs {0} SMS segments per recipient{1}: {2} segments for {3} recipient(s); set max_segments "
                         "to refuse longer texts".format(size.segments, why, size.segments * len(messages), len(messages)))

    def key(self, sms: SmsRequest) -> str:
        send_at = self.params["send_at"]
        # A moment is identified by when it is, however it is written (Unix seconds, ...Z, +00:00); a delay
        # (10m) by the delay, as every run resolves it to a later moment.
        scheduled = "" if sms.send_at is None else str(send_at).strip() if is_relative_delay(send_at) else str(sms.send_at)
        # An empty key (a template that came out blank) must not make every text to a recipient the same send.
        return delivery_key(sms, self.params["dedup_key"] or None, scheduled)

    def keys(self, sms: SmsRequest) -> list:
        """The send's key, then the one earlier versions recorded for a moment written as text, where it differs."""
        send_at = self.params["send_at"]
        key = self.key(sms)
        written = delivery_key(sms, self.params["dedup_key"] or None, "" if send_at in (None, "") else str(send_at))
        return [key] if written == key else [key, written]

    def reason_to_skip(self, sms: SmsRequest, record: sent_record.SentRecord) -> str:
        if self.params["force"]:
            return ""
        earlier = next(filter(None, (record.earlier(key, self.window, self.now) for key in self.keys(sms))), None)
        if earlier and earlier["outcome"] == UNKNOWN:
            return ("delivery unknown in an earlier run at {0}: check the phone or sipgate's history; "
                    "use force: true to send again".format(_iso(earlier["at"])))
        if earlier:
            return "already sent at {0} (within dedup_window)".format(_iso(earlier["at"]))
        if self.params["dedup_scope"] == "history" and self.window and self.in_history(sms):
            return "found in sipgate history (within dedup_window)"
        return ""

    def in_history(self, sms: SmsRequest) -> bool:
        """Whether sipgate lists the same text to the same number within the window.

        The history writes numbers as sipgate likes (its own example: 01579-9912345), so each
        target is read like a recipient before it is compared.
        """
        region = region_of(self.params["country_code"], self.params["region"])
        try:
            items = self.client.history(since=_iso(self.now - self.window), phonenumber=sms.recipient)
        except SipgateError as error:
            if error.status == 403:
                raise SipgateError("dedup_scope=history: reading the history was refused (HTTP 403); "
                                   "give the token the scope history:read, or use dedup_scope: local", status=403) from None
            raise
        return any(item.get("smsContent") == sms.message and same_number(item.get("target"), sms.recipient, region) for item in items)

    def decide(self, messages: list, record: sent_record.SentRecord) -> tuple:
        """Split into (skipped: [{recipient, reason}], to_send: [SmsRequest])."""
        skipped, to_send = [], []
        for sms in messages:
            reason = self.reason_to_skip(sms, record)
            if reason:
                skipped.append({"recipient": sms.recipient, "reason": reason})
            else:
                to_send.append(sms)
        return skipped, to_send

    def send_and_record(self, messages: list) -> tuple:
        """Decide and send under the record's lock, so parallel tasks cannot both send one SMS.

        The intent is written before the first request; a record that cannot be written stops the
        task before anything is sent. A signal mid-send is noted, the outcomes known so far are
        recorded, and the task then fails saying so.
        """
        with sent_record.opened(self.state_file, self.now) as record:
            skipped, to_send = self.decide(messages, record)
            if not to_send:
                return skipped, to_send, Delivery(())
            with StopSignals() as stop:
                record.begin([self.key(sms) for sms in to_send], self.now)
                delivery = deliver(self.client, to_send, concurrency=self.connection.concurrency, stop=stop)
                try:
                    record.settle([(self.key(outcome.sms), outcome.delivery) for outcome in delivery.outcomes], time.time())
                except StateFileError as error:
                    raise Unrecorded(skipped, to_send, delivery, error) from None
        return skipped, to_send, delivery

    def run(self) -> dict:
        self.validate()
        params = self.params
        with self.connection.open_client() as self.client:
            sms_id = resolve_sms_id(self.client, params["sms_id"])
            messages = build_requests(sms_id, params["recipients"], params["msg"], params["send_at"], self.now,
                                      params["country_code"], params["region"], message_field="msg")
            if self.module.check_mode:
                skipped, to_send = self.decide(messages, sent_record.peek(self.state_file))
                return build_result(sms_id, messages, skipped, to_send, None, True, self.module._diff)
            try:
                skipped, to_send, delivery = self.send_and_record(messages)
            except Unrecorded as unrecorded:
                skipped, to_send, delivery, error = unrecorded.args
                result = build_result(sms_id, messages, skipped, to_send, delivery, False, self.module._diff)
                result["record_error"] = str(error)
                return result
        return build_result(sms_id, messages, skipped, to_send, delivery, False, self.module._diff)


def cost_reason(text: str, size: SmsSize) -> str:
    """Why a message takes several segments: its length, and the characters outside GSM-7 that make it UCS-2."""
    if size.encoding != UCS2:
        return " ({0} GSM-7 characters)".format(size.units)
    culprits = outside_gsm7(text)
    shown = ", ".join(repr(ch) for ch in culprits[:5]) + (", ..." if len(culprits) > 5 else "")
    return " (UCS-2, 70 characters a segment instead of 160, because of {0})".format(shown)


def recipient_result(sms: SmsRequest, reason: Optional[str], outcome: Optional[Outcome]) -> dict:
    entry = {"recipient": sms.recipient, "encoding": sms.size.encoding, "segments": sms.size.segments, "send_at": sms.send_at}
    if reason:
        entry.update(status=SKIPPED, reason=reason)
    elif outcome is None:
        entry["status"] = WOULD_SEND
    elif outcome.delivery == DELIVERED:
        entry["status"] = SENT
    else:
        error = outcome.error
        entry.update(status=UNKNOWN if outcome.delivery == UNKNOWN else FAILED, error=outcome.reason,
                     http_status=error.status if error and outcome.attempted else None)
    return entry


def build_result(sms_id: str, messages: list, skipped: list, to_send: list, delivery: Optional[Delivery], check_mode: bool,
                 diff: bool) -> dict:
    reasons = {item["recipient"]: item["reason"] for item in skipped}
    by_recipient = {outcome.sms.recipient: outcome for outcome in (delivery.outcomes if delivery else ())}
    results = [recipient_result(sms, reasons.get(sms.recipient), by_recipient.get(sms.recipient)) for sms in messages]
    sent = [entry["recipient"] for entry in results if entry["status"] in (SENT, WOULD_SEND)]
    # An unknown delivery counts as a change: the SMS may well have gone out.
    changed = bool(sent) or any(entry["status"] == UNKNOWN for entry in results)
    size = messages[0].size
    result = {"changed": changed, "sms_id": sms_id, "encoding": size.encoding, "segments": size.segments,
              "sent": sent, "skipped_recipients": skipped, "results": results}
    if delivery is not None and delivery.interrupted_by:
        result["interrupted_by"] = delivery.interrupted_by
    if diff:
        lines = "".join("To {0}: {1}\n".format(sms.recipient, sms.message) for sms in to_send)
        result["diff"] = {"before": "", "after": lines, "before_header": "before this task", "after_header": "SMS this task sends"}
    return result


def _grouped_by_cause(entries: list) -> str:
    """``cause (+49..., +49...)`` once per cause: a refusal that hit every recipient is said once."""
    causes: dict = {}
    for entry in entries:
        cause = entry["error"][len(NOT_TRIED):] if entry["error"].startswith(NOT_TRIED) else entry["error"]
        causes.setdefault(cause, []).append(entry["recipient"])
    return "; ".join("{0} ({1})".format(cause, ", ".join(recipients)) for cause, recipients in causes.items())


def failure_message(results: list) -> str:
    """What did not surely reach its recipients, by cause, and what to do about it."""
    failed = [entry for entry in results if entry["status"] == FAILED]
    unknown = [entry for entry in results if entry["status"] == UNKNOWN]
    sent = sum(1 for entry in results if entry["status"] == SENT)
    parts = []
    if unknown:
        parts.append("Delivery unknown for {0} of {1} recipients: {2}. Check the phones or sipgate's history: a rerun "
                     "skips them, force: true sends again.".format(len(unknown), len(results), _grouped_by_cause(unknown)))
    if failed:
        parts.append("Not sent to {0} of {1} recipients: {2}. A rerun sends to them.".format(
            len(failed), len(results), _grouped_by_cause(failed)))
    if sent:
        parts.append("Sent to {0}.".format(sent))
    return " ".join(parts)


def unrecorded_message(result: dict) -> str:
    went_out = [entry["recipient"] for entry in result["results"] if entry["status"] in (SENT, UNKNOWN)]
    return ("SMS to {0} went out (or may have), but the record of sent SMS could not be updated: {1}. Until it is "
            "fixed, a rerun reports these recipients as delivery unknown and does not send to them again.".format(
                ", ".join(went_out) or "nobody", result["record_error"]))


def run_module(module: AnsibleModule) -> None:
    try:
        result = SmsTask(module).run()
    except HELPER_ERRORS as error:
        fail_with(module, error, changed=False)
        return
    if result.get("record_error"):
        module.fail_json(msg=unrecorded_message(result), **result)
    if result.get("interrupted_by"):
        module.fail_json(msg="Stopped by {0} while sending. {1}".format(result["interrupted_by"], failure_message(result["results"])),
                         **result)
    if any(entry["status"] in (FAILED, UNKNOWN) for entry in result["results"]):
        module.fail_json(msg=failure_message(result["results"]), **result)
    module.exit_json(**result)


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[("country_code", "region")])
    require_requests(module)
    require_phonenumbers(module)
    run_module(module)


if __name__ == "__main__":
    main()
