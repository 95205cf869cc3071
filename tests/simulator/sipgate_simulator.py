#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulator of the sipgate REST API v2 on loopback, as a Python object or a standalone server.

In tests::

    with SipgateSimulator() as sim:          # sim.url == "http://127.0.0.1:PORT/v2"
        sim.add_fault(status=503, count=2)
        ...                                  # send with TOKEN_ID / TOKEN to sim.url
        assert sim.sent_sms()[0]["recipient"] == "+4915799912345"

From a shell (the demo, playbook runs, the notifier)::

    python3 tests/simulator/sipgate_simulator.py [--port N] [--url-file FILE] [--latency S]

Other processes reach the same controls over HTTP without authentication: GET /_sim/requests,
GET /_sim/sms, POST /_sim/faults, POST /_sim/config, POST /_sim/reset.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Optional, Sequence

if not __package__:
    # Started as a script: make the package this file belongs to importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# pylint: disable=wrong-import-position
from simulator.accounts import (  # noqa: F401  (re-exported: tests import the demo credentials from here)
    ACCESS_TOKEN, ALL_SCOPES, ALL_TOKEN, ALL_TOKEN_ID, CALLER_ID, CALLER_ID_TOKEN, CALLER_ID_TOKEN_ID, PASSWORD, READ_ONLY_TOKEN,
    READ_ONLY_TOKEN_ID, RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID, SECOND_CALLER_ID, SECOND_SMS_ID, SESSIONS_TOKEN, SESSIONS_TOKEN_ID,
    SMS_ID, TOKEN, TOKEN_ID, USER_ID, USERNAME)
from simulator.http_server import SimulatorServer
from simulator.state import DEFAULT_BALANCE, PRICE_PER_SEGMENT, SimulatorState  # noqa: F401

LOOPBACK = "127.0.0.1"

__all__ = [
    "SipgateSimulator", "ACCESS_TOKEN", "ALL_SCOPES", "ALL_TOKEN", "ALL_TOKEN_ID", "CALLER_ID", "CALLER_ID_TOKEN",
    "CALLER_ID_TOKEN_ID", "DEFAULT_BALANCE", "PASSWORD", "PRICE_PER_SEGMENT", "READ_ONLY_TOKEN", "READ_ONLY_TOKEN_ID",
    "RESTRICTED_TOKEN", "RESTRICTED_TOKEN_ID", "SECOND_CALLER_ID", "SECOND_SMS_ID", "SESSIONS_TOKEN", "SESSIONS_TOKEN_ID",
    "SMS_ID", "TOKEN", "TOKEN_ID", "USER_ID", "USERNAME",
]


class SipgateSimulator:
    """The simulated API on 127.0.0.1. Thread-safe; every accessor returns copies."""

    def __init__(self, port: int = 0, latency: float = 0.0) -> None:
        self._port = port
        self._state = SimulatorState()
        self._initial_latency = latency
        self._server: Optional[SimulatorServer] = None
        self._thread: Optional[threading.Thread] = None
        self._state.configure({"latency": latency})

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread; the API's base URL."""
        if self._server is None:
            self._server = SimulatorServer((LOOPBACK, self._port), self._state)
            self._thread = threading.Thread(target=self._server.serve_forever, name="sipgate-simulator", daemon=True)
            self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def __enter__(self) -> "SipgateSimulator":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The API's base URL, e.g. http://127.0.0.1:40123/v2 (what the collection calls api_url)."""
        return "http://{0}:{1}/v2".format(LOOPBACK, self.port)

    @property
    def control_url(self) -> str:
        """Where the /_sim/ control endpoints live, e.g. http://127.0.0.1:40123/_sim."""
        return "http://{0}:{1}/_sim".format(LOOPBACK, self.port)

    # --- what happened -----------------------------------------------------------------------

    def requests(self) -> list:
        """Every API request received, oldest first: method, path, query, content_type, auth_kind
        (token/legacy/bearer/None), auth_id (token id or username, never a secret), body, status,
        fault and time."""
        return self._state.request_log()

    def sent_sms(self) -> list:
        """Every SMS accepted, oldest first: recipient, message, smsId, sendAt, segments, encoding, price, created..."""
        return self._state.sent_sms()

    def balance(self) -> int:
        """The balance left, in 1/10000 EUR."""
        return self._state.balance()

    # --- steering ----------------------------------------------------------------------------

    def add_fault(self, **fault: Any) -> None:
        """Queue one fault, e.g. add_fault(status=503, count=2), add_fault(status=429, retry_after=1),
        add_fault(delay=3.0), add_fault(drop="before"), add_fault(drop="after", path="/sessions/sms")."""
        self._state.add_faults([fault])

    def pending_faults(self) -> list:
        return self._state.pending_faults()

    def configure(self, **settings: Any) -> dict:
        """Change latency, balance, history_delay or price_per_segment; the whole configuration after it."""
        return self._state.configure(settings)

    def reset(self) -> None:
        """Forget requests, SMS and faults, and return to the default configuration."""
        self._state.reset()


def _write_url_file(path: str, url: str) -> None:
    """Write the URL at once or not at all: a reader polling for the file never sees half of it."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".sipgate-simulator-url.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(url + "\n")
    os.replace(temporary, path)


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve a simulated sipgate REST API v2 on 127.0.0.1 until SIGTERM or SIGINT.")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default 0: the system picks a free one)")
    parser.add_argument("--url-file", help="also write the base URL to this file once the server listens")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _arguments(argv)
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    # Blocked before any thread starts, so every thread inherits the mask and only sigwait sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    simulator = SipgateSimulator(port=arguments.port, latency=arguments.latency)
    url = simulator.start()
    try:
        print(url, flush=True)
        print("demo credentials: token id {0} (its token is TOKEN in tests/simulator/accounts.py), sms id {1}".format(
            TOKEN_ID, SMS_ID), flush=True)
        if arguments.url_file:
            _write_url_file(arguments.url_file, url)
        signal.sigwait(stop_signals)
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
