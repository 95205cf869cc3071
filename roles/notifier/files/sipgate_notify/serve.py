# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sipgate-sms-notify --serve``: the HTTP receiver for Alertmanager's and Grafana's webhooks.

``POST /alertmanager`` (or ``PUT``, which Grafana may be set to) takes a notification, ``GET /healthz``
says whether webhooks can be journaled. The spool is flushed on a timer, so a spooled SMS, a digest
whose budget has room again or an SMS of unknown delivery after its hold-off goes out without
waiting for the next webhook.

The standard library's ``ThreadingHTTPServer`` is enough for this load, and it adds no dependency
to a monitoring host: alerting sends a handful of webhooks a minute from loopback or the LAN, every
decision is serialised by the state's lock anyway, and a webhook is answered once its SMS are
journaled or in the outbox, before they are sent, so a call is answered within milliseconds.
What makes it fit for production here: a thread per connection but at most ``MAX_CONNECTIONS``
unanswered at once (more are answered 503 at once, and Alertmanager retries), a deadline for reading a whole
request (headers and body), a bounded body, a bearer token compared in constant time (required
beyond loopback), answers that carry no secret and no Python version, and a clean stop:

SIGTERM (or SIGINT, SIGHUP) closes the listening socket, lets the calls in progress finish for up to
``STOP_GRACE`` seconds, then tells their sends to stop through the delivery core's stop signal:
what is still unsent stays in the outbox, an answer still out is recorded as delivery unknown.
The signals are blocked in every thread and taken by the main thread alone (``sigwait``), so they
never interrupt a run halfway through writing its records.
"""

from __future__ import annotations

import hmac
import json
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from sipgate_api.credentials import Credentials  # pylint: disable=import-error
from sipgate_api.delivery import StopSignals  # pylint: disable=import-error

from . import journal
from .config import Settings
from .receiver import Answer, Receiver
from .run import EXIT_OK, EXIT_PERMANENT, EXIT_TEMPORARY
from .alertmanager import WEBHOOK_PATH
from .serve_settings import HEALTH_PATH, Listen, ServeSettings, check_exposure, parse_listen

WEBHOOK_METHODS = "POST, PUT"
# Alertmanager's notifications of even a thousand alerts stay well below this.
MAX_BODY = 1 << 20
# Seconds for reading a whole request.
READ_DEADLINE = 10.0
MAX_CONNECTIONS = 64
# On SIGTERM: seconds the calls in progress may take before their sends are told to stop, then to record that.
STOP_GRACE = 10.0
STOP_SETTLE = 15.0
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def log(message: str) -> None:
    sys.stderr.write("{0}: {1}\n".format(journal.IDENT, message))
    sys.stderr.flush()


class ReceiverServer(ThreadingHTTPServer):
    """The listening socket, the receiver, and the count of calls in progress.

    A connection holds one of ``MAX_CONNECTIONS`` slots until it is answered; the sends of its run
    then go on in its thread (bounded by the run's send deadline) and count as in progress until they end.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, listen: Listen, receiver: Receiver, token: str) -> None:
        self.address_family = listen.family
        self.receiver = receiver
        self.token = token.encode("ascii")
        self.stopping = False
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._holds_slot = threading.local()
        self._active = 0
        self._idle = threading.Condition()
        super().__init__(listen.address, WebhookHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        with self._idle:
            self._active += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            self._done()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self._holds_slot.value = True
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.release_slot()
            self._done()

    def release_slot(self) -> None:
        """The calling thread's connection is answered: its slot is free for the next one (once)."""
        if getattr(self._holds_slot, "value", False):
            self._holds_slot.value = False
            self._slots.release()

    def _done(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is in progress, at most ``timeout`` seconds; whether none is."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, no traceback: a client that went away is routine, anything else is named."""
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError, TimeoutError)):
            log("a call from {0} failed: {1}: {2}".format(client_address[0], type(error).__name__, error))


def _refuse_busy(request: socket.socket) -> None:
    body = b'{"error": "too many calls at once; try again"}\n'
    try:
        request.settimeout(1.0)
        request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
                        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    except OSError:
        pass


class WebhookHandler(BaseHTTPRequestHandler):
    """One connection: at most one request, read within ``READ_DEADLINE``, answered once."""

    protocol_version = "HTTP/1.1"
    server_version = "sipgate-sms-notify"
    sys_version = ""
    # For any one socket operation; a little longer than the deadline, which is what cuts a slow request short.
    timeout = READ_DEADLINE + 1
    server: ReceiverServer

    def setup(self) -> None:
        super().setup()
        self.answered = False
        self.read_too_long = False
        self.deadline = threading.Timer(READ_DEADLINE, self._stop_reading)
        self.deadline.daemon = True
        self.deadline.start()

    def finish(self) -> None:
        self.deadline.cancel()
        super().finish()

    def _stop_reading(self) -> None:
        """The request took too long to arrive: whatever read waits for it ends now (the answer can still go out)."""
        self.read_too_long = True
        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    # --- answering --------------------------------------------------------------------------

    def reply(self, answer: Answer, headers: Optional[dict] = None) -> None:
        """Send ``answer`` and end the connection's sending side, so the caller has it at once; once only."""
        if self.answered:
            return
        self.answered = True
        self.close_connection = True
        payload = (json.dumps(answer.body, sort_keys=True) + "\n").encode("utf-8")
        try:
            self.send_response(answer.status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
        except OSError as error:  # the caller went away; what was decided stands
            log("the answer {0} to {1} did not arrive: {2}".format(answer.status, self.client_address[0], error))
        self.server.release_slot()

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Method, path without the query (it holds phone numbers), status; no header (one holds the token)."""
        if self.path.split("?", 1)[0] != HEALTH_PATH:
            log("{0} {1} {2} from {3}".format(self.command, self.path.split("?", 1)[0], code, self.client_address[0]))

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        log("{0}: {1}".format(self.client_address[0], format % args))

    # --- requests ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.deadline.cancel()
        path = self.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            reason = "stopping" if self.server.stopping else self.server.receiver.unready()
            self.reply(Answer(503, {"status": "unavailable", "reason": reason}) if reason else Answer(200, {"status": "ready"}))
        elif path == WEBHOOK_PATH:
            self.reply(Answer(405, {"error": "send notifications with POST (or PUT)"}), {"Allow": WEBHOOK_METHODS})
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        path, _mark, query = self.path.partition("?")
        if path != WEBHOOK_PATH:
            self.deadline.cancel()
            self._not_found(path)
            return
        if not self._authorised():
            self.deadline.cancel()
            self.reply(Answer(401, {"error": "missing or wrong bearer token: give Alertmanager http_config.authorization "
                                             "(Grafana: the Authorization header credentials) with [serve] bearer_token"}),
                       {"WWW-Authenticate": 'Bearer realm="sipgate-sms-notify"'})
            return
        body = self._read_body()
        self.deadline.cancel()
        if body is None:
            return
        try:
            self.server.receiver.handle(body, query, self.reply)
        except Exception as error:  # pylint: disable=broad-exception-caught  # never a 2xx for what was not handled
            journal.alarm("a notification from {0} failed: {1}: {2}".format(self.client_address[0], type(error).__name__, error))
            self.reply(Answer(500, {"error": "the receiver failed ({0}); see its log".format(type(error).__name__)}))

    do_PUT = do_POST

    def _not_found(self, path: str) -> None:
        self.reply(Answer(404, {"error": "no such path {0!r}: notifications go to {1}, readiness is {2}".format(
            path, WEBHOOK_PATH, HEALTH_PATH)}))

    def _authorised(self) -> bool:
        expected = self.server.token
        if not expected:
            return True
        scheme, _space, given = self.headers.get("Authorization", "").strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("latin-1", "replace"), expected)

    def _read_body(self) -> Optional[bytes]:
        """The body within the limits, or None once the refusal is answered."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower() or self.headers.get("Content-Length") is None:
            self.reply(Answer(411, {"error": "send the body with a Content-Length"}))
            return None
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            length = -1
        if length < 0:
            self.reply(Answer(400, {"error": "Content-Length is not a length"}))
            return None
        if length > MAX_BODY:
            self.reply(Answer(413, {"error": "the body has {0} bytes, more than the {1} this receiver reads; "
                                             "lower max_alerts in the webhook's configuration".format(length, MAX_BODY)}))
            return None
        body = self._read_exactly(length)
        if len(body) < length:
            status, why = (408, "the request did not arrive within {0:.0f} s".format(READ_DEADLINE)) if self.read_too_long else (
                400, "the body ended after {0} of {1} bytes".format(len(body), length))
            self.reply(Answer(status, {"error": why}))
            return None
        return body

    def _read_exactly(self, length: int) -> bytes:
        chunks, missing = [], length
        try:
            while missing > 0:
                chunk = self.rfile.read(min(missing, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                missing -= len(chunk)
        except OSError:  # a socket timeout, or the deadline cut the read short
            pass
        return b"".join(chunks)


class Flusher(threading.Thread):
    """Flushes the spool at once and then every ``interval`` seconds until told to stop."""

    def __init__(self, receiver: Receiver, interval: float) -> None:
        super().__init__(name="sipgate-sms-flush", daemon=True)
        self.receiver = receiver
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        wait = 0.0
        while not self.stopped.wait(wait):
            wait = self.interval
            try:
                self.receiver.flush()
            except Exception as error:  # pylint: disable=broad-exception-caught  # the next round tries again
                journal.alarm("flushing the spool failed: {0}: {1}".format(type(error).__name__, error))


def _wait_idle(server: ReceiverServer, flusher: Flusher, seconds: float) -> Optional[int]:
    """Wait for the calls in progress and the flush to end; a further stop signal cuts it short (returned), else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.wait_idle(0) and not flusher.is_alive():
            return None
        received = signal.sigtimedwait(STOP_SIGNALS, 0.1)
        if received is not None:
            return received.si_signo
    return None


def stop(server: ReceiverServer, flusher: Flusher, stop_signal: StopSignals, received: int) -> int:
    """Stop accepting, let what is in progress finish (or stop its sends after the grace), record, exit."""
    name = signal.Signals(received).name
    log("{0}: no new calls; finishing those in progress".format(name))
    server.stopping = True
    server.shutdown()
    server.server_close()
    flusher.stopped.set()
    again = _wait_idle(server, flusher, STOP_GRACE)
    if not (server.wait_idle(0) and not flusher.is_alive()):
        # Their sends end now: unsent SMS stay in the outbox, answers still out are recorded as unknown.
        stop_signal.received = again or received
        _wait_idle(server, flusher, STOP_SETTLE)
    if server.wait_idle(0) and not flusher.is_alive():
        log("stopped; everything in progress is recorded")
        return EXIT_OK
    journal.alarm("stopped with calls still in progress; their SMS are in the outbox as in flight and count as delivery unknown")
    return EXIT_TEMPORARY


def serve(listen: Listen, settings: Settings, credentials: Credentials, serve_settings: ServeSettings) -> int:
    """Listen until a stop signal; the exit code."""
    # Blocked before any thread starts, so every thread inherits the mask and only sigwait takes them.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    stop_signal = StopSignals()  # never entered: only its flag is shared with the runs
    receiver = Receiver(settings, credentials, serve_settings, stop_signal)
    try:
        server = ReceiverServer(listen, receiver, serve_settings.bearer_token)
    except OSError as error:
        log("cannot listen on {0}: {1}".format(listen.url, error))
        return EXIT_PERMANENT
    flusher = Flusher(receiver, serve_settings.flush_interval)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="sipgate-sms-serve", daemon=True).start()
    flusher.start()
    bound = Listen(listen.family, server.server_address[:2], listen.loopback)
    log("listening on {0}{1} ({2}); readiness at {3}".format(
        bound.url, WEBHOOK_PATH, "bearer token required" if serve_settings.bearer_token else "loopback only, no token", HEALTH_PATH))
    return stop(server, flusher, stop_signal, signal.sigwait(STOP_SIGNALS))


def main(listen_text: str, settings: Settings, credentials: Credentials, serve_settings: ServeSettings) -> int:
    """The receiver's entry point; ConfigError (bad address, no token beyond loopback) is the caller's to report."""
    listen = parse_listen(listen_text)
    check_exposure(listen, serve_settings)
    return serve(listen, settings, credentials, serve_settings)
