# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stops this very process at one step of sending an SMS, for the crash tests.

Python imports it at start-up when this folder is on PYTHONPATH. It does nothing unless
SIPGATE_CRASH_AT names a step:

- ``before_post``: the request line of ``POST .../sessions/sms`` is about to be written;
- ``after_answer``: sipgate's answer to that POST has just been read;
- ``record_write``: every write of the state file ``SIPGATE_CRASH_FILE`` after the first in this
  process fails with "No space left on device" (the intent is written, the outcome is not).

At a step the process sends itself SIGNAL (``SIPGATE_CRASH_SIGNAL``: KILL, TERM or INT; KILL
when unset), as a crash, ``kill`` or Ctrl-C would at that moment.
"""

import errno
import os
import signal

_STEP = os.environ.get("SIPGATE_CRASH_AT", "")


def _stop() -> None:
    os.kill(os.getpid(), getattr(signal, "SIG" + os.environ.get("SIPGATE_CRASH_SIGNAL", "KILL")))


def _patch_http() -> None:
    import http.client  # pylint: disable=import-outside-toplevel

    putrequest = http.client.HTTPConnection.putrequest
    getresponse = http.client.HTTPConnection.getresponse

    def putrequest_then_stop(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.sipgate_send = method == "POST" and url.split("?")[0].endswith("/sessions/sms")
        if self.sipgate_send and _STEP == "before_post":
            _stop()
        return putrequest(self, method, url, *args, **kwargs)

    def getresponse_then_stop(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = getresponse(self, *args, **kwargs)
        if getattr(self, "sipgate_send", False) and _STEP == "after_answer":
            _stop()
        return response

    http.client.HTTPConnection.putrequest = putrequest_then_stop
    http.client.HTTPConnection.getresponse = getresponse_then_stop


def _patch_writes() -> None:
    target = os.environ.get("SIPGATE_CRASH_FILE", "")
    replace = os.replace
    writes = []

    def replace_unless_the_outcome(source, destination, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(destination) == target:
            writes.append(destination)
            if len(writes) > 1:
                raise OSError(errno.ENOSPC, "No space left on device (crash test)")
        return replace(source, destination, *args, **kwargs)

    os.replace = replace_unless_the_outcome


if _STEP in ("before_post", "after_answer"):
    _patch_http()
elif _STEP == "record_write":
    _patch_writes()
