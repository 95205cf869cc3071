# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the simulated sipgate API was asked, and an address where no API answers."""

from __future__ import annotations

import socket
from typing import Any


def sms_posts(sim: Any) -> list:
    """Every POST that tried to send an SMS, whatever its answer: what a duplicate or a lost send would show."""
    return [request for request in sim.requests() if request["method"] == "POST" and request["path"].endswith("/sessions/sms")]


def closed_port_url() -> str:
    """An API URL on loopback whose port nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:{0}/v2".format(port)
