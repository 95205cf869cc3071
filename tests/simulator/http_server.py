# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP plumbing: the API under /v2 (with faults, latency and a request log) and control under /_sim/."""

from __future__ import annotations

import json
import socket
import sys
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from .accounts import authenticate
from .api import ApiRequest, ApiResponse, dispatch, error
from .faults import DROP_AFTER, DROP_BEFORE, Fault, api_path
from .state import SimulatorState

API_PREFIX = "/v2"
CONTROL_PREFIX = "/_sim/"
MAX_BODY = 1 << 20


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the simulator's state for its handlers."""

    daemon_threads = True
    allow_reuse_address = True
    # Benchmarks open many connections at once; the default backlog of 5 would refuse some.
    request_queue_size = 128

    def __init__(self, address: tuple, state: SimulatorState) -> None:
        self.state = state
        super().__init__(address, SimulatorHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up waiting (a timeout under test) is expected, not an error worth a traceback."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def _body_for_log(body: bytes) -> Any:
    """The JSON body as data, or its text when it is not JSON (a body never carries a secret here)."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sipgate-simulator/1.0"
    # Idle keep-alive connections end after this long, so a stopped client frees its thread.
    timeout = 60
    server: SimulatorServer

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the request log is kept in the state, and a log line could reveal too much."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL_PREFIX):
            self._control(url.path[len(CONTROL_PREFIX):])
        elif url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
            self._api(url.path, parse_qs(url.query, keep_blank_values=True))
        else:
            self._read_body()
            self._answer(error(404, "no such path {0}".format(url.path)))

    # --- reading and writing -------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        for _chunk in range(MAX_BODY):
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        return b"".join(chunks)

    def _answer(self, response: ApiResponse) -> None:
        if response.text is not None:
            payload, content_type = response.text.encode("utf-8"), "text/html"
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
            content_type = "application/json" if payload else "text/plain"
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _reset_connection(self) -> None:
        """Abort with a TCP reset: the client sees the connection fail, not an orderly end."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    # --- the API ---------------------------------------------------------------------------

    def _log_entry(self, path: str, query: dict, body: Optional[bytes], received: float) -> dict:
        return {"method": self.command, "path": path, "query": query, "content_type": self.headers.get("Content-Type"),
                "auth_kind": None, "auth_id": None, "body": _body_for_log(body or b""), "status": None,
                "fault": None, "time": received}

    def _api(self, path: str, query: dict) -> None:
        state = self.server.state
        received = time.time()
        fault = state.take_fault(self.command, path)
        if fault is not None and fault.drop == DROP_BEFORE:
            state.record_request(dict(self._log_entry(path, query, None, received), fault=fault.describe()))
            self._reset_connection()
            return
        body = self._read_body()
        response = self._api_response(fault, path, query, body)
        entry = self._log_entry(path, query, body, received)
        entry.update(status=response.status, fault=fault.describe() if fault else None)
        if response.credential is not None:
            entry.update(auth_kind=response.credential.kind, auth_id=response.credential.credential_id)
        state.record_request(entry)
        time.sleep(state.settings().latency + ((fault.delay or 0.0) if fault else 0.0))
        if fault is not None and fault.drop == DROP_AFTER:
            # Handled, but the answer is lost: the connection ends without a response.
            self.close_connection = True
            return
        self._answer(response)

    def _api_response(self, fault: Optional[Fault], path: str, query: dict, body: bytes) -> ApiResponse:
        request = ApiRequest(self.command, api_path(path), query, self.headers, body)
        if fault is None or fault.status is None:
            return dispatch(self.server.state, request)
        if fault.effect:
            dispatch(self.server.state, request)
        response = error(fault.status, "injected fault")
        if fault.body is not None:
            response.text = fault.body
        # Recorded like any other request, so a test can see who tried.
        response.credential = authenticate(self.headers.get("Authorization"))
        if fault.retry_after is not None:
            response.headers["Retry-After"] = "{0:g}".format(fault.retry_after)
        return response

    # --- control endpoints -----------------------------------------------------------------

    def _control(self, name: str) -> None:
        state = self.server.state
        body = self._read_body()
        try:
            data = json.loads(body.decode("utf-8")) if body else None
            response = self._control_response(state, name, data)
        except (ValueError, TypeError) as problem:
            response = error(400, str(problem))
        self._answer(response)

    def _control_response(self, state: SimulatorState, name: str, data: Any) -> ApiResponse:
        method = self.command
        if (method, name) == ("GET", "requests"):
            return ApiResponse(200, state.request_log())
        if (method, name) == ("GET", "sms"):
            return ApiResponse(200, state.sent_sms())
        if (method, name) == ("GET", "faults"):
            return ApiResponse(200, state.pending_faults())
        if (method, name) == ("POST", "faults"):
            state.add_faults(data if isinstance(data, list) else [data])
            return ApiResponse(200, state.pending_faults())
        if (method, name) == ("GET", "config"):
            return ApiResponse(200, state.configure({}))
        if (method, name) == ("POST", "config"):
            return ApiResponse(200, state.configure(data or {}))
        if (method, name) == ("POST", "reset"):
            state.reset()
            return ApiResponse(204)
        return error(404, "no control endpoint {0} {1}".format(method, name))
