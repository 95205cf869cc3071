# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded waiting: daemons do things a moment later, and a test must neither hang nor guess."""

from __future__ import annotations

import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """A condition did not hold in time. An AssertionError, so pytest shows it as a test failure."""


def wait_until(
    condition: Callable[[], Optional[T]],
    timeout: float,
    what: str,
    interval: float = 0.05,
    details: Optional[Callable[[], str]] = None,
) -> T:
    """Call ``condition`` until it returns something truthy and return that, or raise WaitTimeout.

    ``details`` is called only on timeout, to put e.g. the daemon's log into the failure message.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            message = f"timed out after {timeout:.1f} s waiting for {what}"
            if details is not None:
                message += "\n" + details()
            raise WaitTimeout(message)
        time.sleep(interval)
