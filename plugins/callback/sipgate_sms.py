# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sipgate_sms
type: notification
short_description: Send one SMS through sipgate when a playbook run fails
version_added: 0.1.0
description:
  - At the end of a playbook run, sends one SMS to each of O(recipients) when a host failed or was unreachable
    (or after every run, with O(notify_on=always)).
  - >-
    The SMS names the playbook, counts the hosts that were ok, changed, failed and unreachable, and names the first
    host that failed with its task and error, like
    C(Ansible FAILED site.yml: hosts ok 2, changed 1, failed 1, unreachable 0. First failure: web01 'Restart nginx': ...).
  - Errors of tasks with C(ignore_errors) and failures rescued by a block do not count.
  - The text is folded, transliterated to GSM-7 and cut to O(max_segments) SMS, so a long error never costs more.
  - A failure to send, or an incomplete configuration, is shown as a warning. It never fails the playbook or changes
    its exit code, and the token is never shown.
  - Enable it with C(callbacks_enabled = sipgateio.sms.sipgate_sms) in the C([defaults]) section of C(ansible.cfg),
    or with the environment variable E(ANSIBLE_CALLBACKS_ENABLED).
requirements:
  - requests >= 2.28 on the controller.
  - phonenumbers >= 8.12.57 on the controller.
  - Enabled in C(callbacks_enabled) in C(ansible.cfg), or in E(ANSIBLE_CALLBACKS_ENABLED).
author:
  - sipgateio.sms maintainers (@sipgateio)
seealso:
  - module: sipgateio.sms.sipgate_sms
  - module: sipgateio.sms.sipgate_sms_info
options:
  recipients:
    description:
      - Phone numbers to text, in international format like C(+4915799912345) (a national C(0…) is read as German).
        A comma-separated list in the environment variable or in C(ansible.cfg).
      - Without recipients nothing is sent, and a warning says so.
    type: list
    elements: str
    env:
      - name: SIPGATE_SMS_RECIPIENTS
    ini:
      - section: callback_sipgate_sms
        key: recipients
  notify_on:
    description:
      - V(failure) sends only when at least one host failed or was unreachable; V(always) sends after every run.
    type: str
    choices: [failure, always]
    default: failure
    env:
      - name: SIPGATE_SMS_NOTIFY_ON
    ini:
      - section: callback_sipgate_sms
        key: notify_on
  token_id:
    description:
      - ID of a sipgate personal access token, like C(token-ABC123). The token needs the scope C(sessions:sms:write),
        and C(sms:read) when O(sms_id) is not set.
    type: str
    env:
      - name: SIPGATE_TOKEN_ID
    ini:
      - section: callback_sipgate_sms
        key: token_id
  token:
    description:
      - The personal access token itself. Prefer the environment variable to a file others may read.
    type: str
    env:
      - name: SIPGATE_TOKEN
    ini:
      - section: callback_sipgate_sms
        key: token
  access_token:
    description:
      - An OAuth2 access token, sent as bearer token, instead of O(token_id) and O(token).
    type: str
    env:
      - name: SIPGATE_ACCESS_TOKEN
    ini:
      - section: callback_sipgate_sms
        key: access_token
  sms_id:
    description:
      - The web SMS extension to send from, C(s) followed by digits, like V(s0).
      - When not set, the account's first SMS extension is looked up (which needs the scope C(sms:read)).
    type: str
    env:
      - name: SIPGATE_SMS_ID
    ini:
      - section: callback_sipgate_sms
        key: sms_id
  api_url:
    description:
      - Base URL of the sipgate REST API.
      - Plain C(http://) is refused except on loopback, where a test endpoint may use it, with a warning.
    type: str
    default: https://api.sipgate.com/v2
    env:
      - name: SIPGATE_API_URL
    ini:
      - section: callback_sipgate_sms
        key: api_url
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Leave it on except against a test endpoint.
    type: bool
    default: true
    env:
      - name: SIPGATE_VALIDATE_CERTS
    ini:
      - section: callback_sipgate_sms
        key: validate_certs
  timeout:
    description:
      - Seconds to wait for the API to answer one request.
    type: float
    default: 10
    env:
      - name: SIPGATE_TIMEOUT
    ini:
      - section: callback_sipgate_sms
        key: timeout
  retries:
    description:
      - How often to repeat a request that surely did not take effect (connection refused, HTTP 429 or 503).
        A 502 or 504 may come after sipgate took the SMS, so it is never repeated.
    type: int
    default: 3
    env:
      - name: SIPGATE_RETRIES
    ini:
      - section: callback_sipgate_sms
        key: retries
  max_segments:
    description:
      - How many SMS segments the text may take; it is cut at a word boundary to fit.
    type: int
    default: 1
    env:
      - name: SIPGATE_SMS_MAX_SEGMENTS
    ini:
      - section: callback_sipgate_sms
        key: max_segments
"""

EXAMPLES = r"""
# ansible.cfg: text the on-call phones when a run fails
# [defaults]
# callbacks_enabled = sipgateio.sms.sipgate_sms
#
# [callback_sipgate_sms]
# recipients = +4915799912345, +4915799912346
# sms_id = s0
#
# Keep the credentials out of ansible.cfg, in the environment:
#   export SIPGATE_TOKEN_ID=token-ABC123
#   export SIPGATE_TOKEN=...

# The same from the environment only, and a text after every run:
#   ANSIBLE_CALLBACKS_ENABLED=sipgateio.sms.sipgate_sms \
#   SIPGATE_TOKEN_ID=token-ABC123 SIPGATE_TOKEN=... \
#   SIPGATE_SMS_RECIPIENTS=+4915799912345 SIPGATE_SMS_NOTIFY_ON=always \
#   ansible-playbook site.yml
"""

import os
from dataclasses import dataclass
from typing import Any, Optional

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.connection import Connection
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.delivery import deliver, resolve_sms_id
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError, SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.fitting import fit
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import DELIVERED
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import build_requests

NOTIFY_ON_FAILURE = "failure"
NOTIFY_ON_ALWAYS = "always"


@dataclass(frozen=True)
class Failure:
    """The first thing that went wrong on a host: which task, and what it said."""

    host: str
    task: str
    message: str


@dataclass(frozen=True)
class HostCounts:
    """How many hosts ended ok, changed something, failed, or were unreachable."""

    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0

    @property
    def went_wrong(self) -> bool:
        return self.failed > 0 or self.unreachable > 0


def count_hosts(summaries: dict) -> HostCounts:
    """Host counts from AggregateStats.summarize() of each host, keyed by host name."""
    failed = [host for host, summary in summaries.items() if summary.get("failures")]
    unreachable = [host for host, summary in summaries.items() if summary.get("unreachable")]
    changed = [host for host, summary in summaries.items() if summary.get("changed")]
    ok = [host for host in summaries if host not in failed and host not in unreachable]
    return HostCounts(ok=len(ok), changed=len(changed), failed=len(failed), unreachable=len(unreachable))


def should_notify(notify_on: str, counts: HostCounts) -> bool:
    return notify_on == NOTIFY_ON_ALWAYS or counts.went_wrong


def first_lasting_failure(failures: list, summaries: dict) -> Optional[Failure]:
    """The first failure on a host that still counts as failed or unreachable (a rescued one does not)."""
    for failure in failures:
        summary = summaries.get(failure.host, {})
        if summary.get("failures") or summary.get("unreachable"):
            return failure
    return None


def compose_message(playbook: str, counts: HostCounts, failure: Optional[Failure], max_segments: int = 1,
                    check_mode: bool = False) -> str:
    """The SMS text, fitted to ``max_segments``: outcome, playbook (and whether it was a dry run), host counts, first failure."""
    outcome = "FAILED" if counts.went_wrong else "OK"
    text = "Ansible {0} {1}{2}: hosts ok {3}, changed {4}, failed {5}, unreachable {6}.".format(
        outcome, playbook or "playbook", " (check mode)" if check_mode else "", counts.ok, counts.changed, counts.failed,
        counts.unreachable)
    if failure is not None:
        text += " First failure: {0} '{1}'".format(failure.host, failure.task)
        if failure.message:
            text += ": " + failure.message
    return fit(text, max_segments=max_segments)


def _result_parts(result: Any) -> tuple:
    """Host name, task name and result dict of a task result, on ansible-core before and after 2.19."""
    host = getattr(result, "host", None) or result._host
    task = getattr(result, "task", None) or result._task
    data = getattr(result, "result", None)
    if data is None:
        data = result._result
    return host.get_name(), task.get_name(), data


def _error_text(data: dict) -> str:
    message = data.get("msg") or data.get("stderr") or data.get("reason") or ""
    return str(message)


class CallbackModule(CallbackBase):
    """Texts the run's outcome through sipgate when the run went wrong (or always)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "sipgateio.sms.sipgate_sms"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self.playbook_name = ""
        self.check_mode = False
        self.failures: list = []

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self.playbook_name = os.path.basename(getattr(playbook, "_file_name", "") or "")
        self.check_mode = bool(context.CLIARGS.get("check", False))

    def _remember(self, result: Any, fallback_message: str) -> None:
        host, task, data = _result_parts(result)
        self.failures.append(Failure(host, task, _error_text(data) or fallback_message))

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        if not ignore_errors:
            self._remember(result, "failed")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._remember(result, "unreachable")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        summaries = {host: stats.summarize(host) for host in sorted(stats.processed)}
        counts = count_hosts(summaries)
        if not should_notify(self.get_option("notify_on"), counts):
            return
        message = compose_message(self.playbook_name, counts, first_lasting_failure(self.failures, summaries),
                                  self.get_option("max_segments"), self.check_mode)
        try:
            self._send(message)
        except (SipgateError, SmsValidationError) as error:
            self._display.warning("sipgate_sms callback: the SMS about this run was not sent: {0}".format(error))
        except Exception as error:  # a notification must never break the run it reports on
            self._display.warning("sipgate_sms callback: the SMS about this run was not sent: unexpected {0}: {1}".format(
                type(error).__name__, error))

    def _connection(self) -> Connection:
        credentials = choose_credentials(self.get_option("token_id"), self.get_option("token"),
                                         access_token=self.get_option("access_token"))
        connection = Connection(credentials, api_url=self.get_option("api_url"), timeout=self.get_option("timeout"),
                                validate_certs=self.get_option("validate_certs"), retries=self.get_option("retries"))
        if connection.warning:
            self._display.warning("sipgate_sms callback: " + connection.warning)
        return connection

    def _send(self, message: str) -> None:
        recipients = [number.strip() for number in self.get_option("recipients") or [] if number and number.strip()]
        if not recipients:
            raise SmsValidationError("recipients", "no recipient configured",
                                     "set SIPGATE_SMS_RECIPIENTS or recipients in [callback_sipgate_sms]")
        connection = self._connection()
        # Every field is checked before any request: a bad recipient must not leave the others texted and it not.
        build_requests("s0", recipients, message)
        with connection.open_client() as client:
            sms_id = resolve_sms_id(client, self.get_option("sms_id"))
            delivery = deliver(client, build_requests(sms_id, recipients, message), concurrency=connection.concurrency)
        for outcome in delivery.outcomes:
            if outcome.delivery == DELIVERED:
                self._display.v("sipgate_sms callback: SMS sent to {0}".format(outcome.sms.recipient))
            else:
                self._display.warning("sipgate_sms callback: SMS to {0}: {1}: {2}".format(
                    outcome.sms.recipient, outcome.verdict, outcome.reason))
