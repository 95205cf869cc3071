# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words for what became of one SMS, defined once for module, callback and notifier.

sipgate has no idempotency key and returns no message id, so an attempt ends in one of four ways:

- ``delivered``: sipgate accepted it (any 2xx).
- ``not_delivered``: it surely did not take effect (no connection, 429, 503, or a refusal such as 401):
  sending it again is safe.
- ``unknown``: the request may have reached sipgate, but no answer says so (a timeout or dropped
  connection after sending, a 502/504 from a gateway, a process that died mid-send): sending it
  again may text someone twice.
- ``unsendable``: sipgate refused this very SMS as malformed (400, 413, 422): it will never work.

A record written before the request goes out says ``in_flight``; a reader that finds it there
later knows the writer died before it learnt the answer, and treats it as ``unknown``.
"""

DELIVERED = "delivered"
NOT_DELIVERED = "not_delivered"
UNKNOWN = "unknown"
UNSENDABLE = "unsendable"

IN_FLIGHT = "in_flight"

# Outcomes after which the SMS may have reached the phone: idempotency must count them.
MAY_HAVE_REACHED = frozenset({DELIVERED, UNKNOWN, IN_FLIGHT})
# Outcomes after which nothing reached sipgate's sending: a later attempt is safe.
SURELY_NOT_SENT = frozenset({NOT_DELIVERED, UNSENDABLE})
