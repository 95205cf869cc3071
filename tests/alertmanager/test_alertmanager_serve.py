# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real ``sipgate-sms-notify --serve`` over HTTP: paths, limits, the token, and how it stops."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
from engines.waiting import wait_until
from support.notifier_script import assert_no_traceback
from receiver_process import BEARER_TOKEN, ReceiverProcess, free_port
from simulator.sipgate_simulator import TOKEN
from webhook_notifications import latency, notification

ONCALL = "+4915799912345"
READ_DEADLINE = 10.0
MAX_CONNECTIONS = 64


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory, sipgate_simulator_server) -> Iterator[ReceiverProcess]:  # type: ignore[no-untyped-def]
    process = ReceiverProcess(tmp_path_factory.mktemp("serve"), sipgate_simulator_server.url).start()
    try:
        yield process
    finally:
        process.stop()
    assert process.daemon is not None and process.daemon.popen.returncode == 0, process.output()
    assert TOKEN not in process.output()


def raw_call(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        return read_all(connection)


def read_all(connection: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_readiness_and_the_paths_it_knows(receiver: ReceiverProcess) -> None:
    ready = requests.get(receiver.base_url + "/healthz", timeout=5)
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert "Python" not in ready.headers.get("Server", "")
    wrong_method = requests.get(receiver.base_url + "/alertmanager", timeout=5)
    assert (wrong_method.status_code, wrong_method.headers["Allow"]) == (405, "POST, PUT")
    unknown = requests.post(receiver.base_url + "/alerts", data=b"{}", timeout=5)
    assert unknown.status_code == 404 and "/alertmanager" in unknown.json()["error"]


def test_grafana_may_put_instead_of_post(receiver: ReceiverProcess, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = requests.put(receiver.base_url + "/alertmanager?to=" + ONCALL, data=notification(latency("grafana01")), timeout=10)
    assert answer.status_code == 200, answer.text
    wait_until(sipgate_sim.sent_sms, 10, "the SMS")


def test_bodies_without_length_or_too_large_are_refused_unread(receiver: ReceiverProcess) -> None:
    too_large = raw_call(receiver.port, b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
    assert too_large.startswith(b"HTTP/1.1 413 ") and b"max_alerts" in too_large
    chunked = raw_call(receiver.port, b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 411 ")


def test_a_malformed_body_is_answered_400_and_journaled(receiver: ReceiverProcess, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = receiver.post(b"<html>not json</html>", query="to=" + ONCALL)
    assert answer.status_code == 400 and answer.json()["error"].startswith("the body is not JSON"), answer.text
    assert receiver.journal()[-1]["reason"].startswith("webhook refused: the body is not JSON")
    assert sipgate_sim.sent_sms() == []


def test_without_a_token_it_does_not_listen_beyond_loopback(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    process = ReceiverProcess(tmp_path, sipgate_sim.url)
    done = process.script(["--serve", "0.0.0.0:{0}".format(free_port()), "--config", str(process.config)], timeout=30)
    assert done.returncode == 2 and "listening beyond loopback needs [serve] bearer_token" in done.stderr, done.stderr
    assert_no_traceback(done)


def test_a_token_once_set_is_required_on_loopback_too(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    process = ReceiverProcess(tmp_path, sipgate_sim.url, serve={"bearer_token": BEARER_TOKEN}).start()
    try:
        assert process.post(notification(latency("web01")), "to=" + ONCALL).status_code == 401
        assert process.post(notification(latency("web01")), "to=" + ONCALL, token=BEARER_TOKEN).status_code == 200
    finally:
        assert process.stop() == 0
    assert BEARER_TOKEN not in process.output()


def test_calls_beyond_the_limit_are_turned_away_and_slow_ones_cut_off(receiver: ReceiverProcess) -> None:
    started = time.monotonic()
    slow = socket.create_connection(("127.0.0.1", receiver.port), timeout=READ_DEADLINE + 10)
    slow.sendall(b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"version\": \"4\"")
    idle: List[socket.socket] = [socket.create_connection(("127.0.0.1", receiver.port), timeout=READ_DEADLINE + 10)
                                 for _each in range(MAX_CONNECTIONS - 1)]
    try:
        busy = wait_until(lambda: b" 503 " in (answer := raw_call(receiver.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
                          and answer, 10, "a call beyond the limit to be turned away")
        assert b"too many calls" in busy and b"Retry-After: 1" in busy
        answer = read_all(slow)
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert READ_DEADLINE - 0.5 <= time.monotonic() - started <= READ_DEADLINE + 5
        assert all(read_all(connection) == b"" for connection in idle), "idle connections end at the deadline too"
    finally:
        for connection in [slow, *idle]:
            connection.close()
    wait_until(receiver.ready, 10, "the receiver to serve again")


def test_sigterm_lets_a_send_in_progress_finish(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    process = ReceiverProcess(tmp_path, sipgate_sim.url).start()
    sipgate_sim.add_fault(delay=2.0, path="/sessions/sms")
    assert process.post(notification(latency("web01")), "to=" + ONCALL).status_code == 200
    process.daemon.popen.send_signal(signal.SIGTERM)
    assert process.daemon.popen.wait(15) == 0, process.output()
    assert [record["event"] for record in process.journal()] == ["sent"] and len(sipgate_sim.sent_sms()) == 1
    assert "stopped; everything in progress is recorded" in process.output()


def test_a_second_sigterm_stops_the_send_and_the_ledger_keeps_it(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    process = ReceiverProcess(tmp_path, sipgate_sim.url).start()
    sipgate_sim.add_fault(delay=4.0, path="/sessions/sms")
    assert process.post(notification(latency("web01")), "to=" + ONCALL).status_code == 200
    wait_until(sipgate_sim.requests, 5, "the send to start")
    process.daemon.popen.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    process.daemon.popen.send_signal(signal.SIGTERM)
    assert process.daemon.popen.wait(3) == 0, process.output()
    record, = process.journal()
    assert record["event"] == "delivery_unknown" and "told to stop (SIGTERM)" in record["reason"], record
    held, = json.loads((tmp_path / "state" / "state.json").read_text(encoding="utf-8"))["outbox"]
    assert (held["uncertain"], held["claimed_by"]) == (1, None), held
