# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only code that speaks HTTP to sipgate.

Retries are left to urllib3's ``Retry`` and limited to what is safe. sipgate has no idempotency
key, so ``POST /sessions/sms`` is repeated only when it surely did not take effect: the connection
was never made, or sipgate answered 429 or 503 (honouring Retry-After, capped). A 502 or 504 comes
from a gateway that may already have passed the request on, and a timeout or a dropped connection
after sending is just as ambiguous: those are "delivery unknown" and never repeated here. Reads
change nothing and are repeated on 429, 502, 503, 504 and lost answers too.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Optional

from .credentials import Credentials
from .errors import READ_RETRY_STATUSES, SEND_RETRY_STATUSES, SipgateError, redact
from .frozen import Frozen
from .outcomes import NOT_DELIVERED, UNKNOWN
from .request import SmsRequest

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError, ResponseError
    from urllib3.util.retry import Retry
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: Optional[str] = traceback.format_exc()
    Retry = object  # type: ignore[misc,assignment]
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

DEFAULT_API_URL = "https://api.sipgate.com/v2"
USER_AGENT = "sipgateio.sms/0.1.0"
SEND_PATH = "/sessions/sms"
# Reads that a retry may repeat; anything else is repeated only on the statuses that prove it had no effect.
READ_METHODS = frozenset({"GET", "HEAD"})


class RetryPolicy(Frozen):
    """How hard to try: attempts after the first, the backoff factor, and a cap on Retry-After."""

    __slots__ = ("retries", "backoff_factor", "max_retry_after")
    retries: int
    backoff_factor: float
    max_retry_after: float

    def __init__(self, retries: int = 3, backoff_factor: float = 0.5, max_retry_after: float = 30.0) -> None:
        self._set(retries=retries, backoff_factor=backoff_factor, max_retry_after=max_retry_after)


# The moment (time.monotonic()) by which this thread's send must have its answer, while it sends.
_ANSWER_DEADLINE = threading.local()


def _retry_after_seconds(header: str) -> Optional[float]:
    """Retry-After as seconds: a whole or decimal number; None for anything else (a date is left to urllib3)."""
    text = header.strip()
    if text.isascii() and text.replace(".", "", 1).isdigit():
        return float(text)
    return None


class _SafeRetry(Retry):  # type: ignore[misc,valid-type]
    """urllib3's Retry that repeats a send only when it surely had no effect, and caps Retry-After.

    A send is repeated only when its answer can still come before the sender's deadline: a request
    started too late would end as "delivery unknown" although every earlier one surely failed.
    """

    retry_after_cap: float = 30.0
    # How long one attempt may take until its answer is in (the connect and the read timeout).
    answer_within: float = 20.0

    def new(self, **kw: Any) -> Any:
        retry = super().new(**kw)
        retry.retry_after_cap = self.retry_after_cap
        retry.answer_within = self.answer_within
        return retry

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        statuses = READ_RETRY_STATUSES if method.upper() in READ_METHODS else SEND_RETRY_STATUSES
        return status_code in statuses

    def get_retry_after(self, response: Any) -> Optional[float]:
        # A fraction ("2.5") or garbage from a proxy would make urllib3 raise after an answer that
        # proves the request had no effect; the backoff decides instead of garbage.
        header = response.headers.get("Retry-After")
        if header is None:
            return None
        seconds = _retry_after_seconds(header)
        if seconds is None:
            try:
                seconds = self.parse_retry_after(header)
            except Exception:  # pylint: disable=broad-exception-caught  # urllib3's InvalidHeader, whose home moved
                return None
        return min(max(seconds, 0.0), self.retry_after_cap)

    def _wait_before(self, response: Any) -> float:
        waited = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        return self.get_backoff_time() if not waited else waited

    def increment(self, method: Optional[str] = None, url: Optional[str] = None, response: Any = None, error: Any = None,
                  _pool: Any = None, _stacktrace: Any = None) -> Any:
        retry = super().increment(method=method, url=url, response=response, error=error, _pool=_pool, _stacktrace=_stacktrace)
        deadline = getattr(_ANSWER_DEADLINE, "moment", None)
        if deadline is not None and time.monotonic() + retry._wait_before(response) + self.answer_within > deadline:
            raise MaxRetryError(_pool, url, error or ResponseError("no time left to try again before the deadline"))
        return retry


def _safe_retry(policy: RetryPolicy, answer_within: float) -> Any:
    retry = _SafeRetry(
        total=policy.retries, connect=policy.retries, status=policy.retries,
        # A lost answer is repeated for reads only (allowed_methods); for a send it is "delivery unknown".
        read=policy.retries, allowed_methods=READ_METHODS, other=0, redirect=0,
        backoff_factor=policy.backoff_factor, respect_retry_after_header=True,
        raise_on_status=False, raise_on_redirect=False,
    )
    retry.retry_after_cap = policy.max_retry_after
    retry.answer_within = answer_within
    return retry


def _failed_to_connect(error: Exception) -> bool:
    """True when the connection was never made, so the request surely did not reach sipgate."""
    if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
        return True
    reason = error.args[0] if error.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)


def _unusable_url(error: Exception) -> bool:
    """True when requests refused the URL itself, before any connection was tried."""
    return isinstance(error, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                              requests.exceptions.InvalidURL, requests.exceptions.URLRequired))


def _transport_error(error: Exception, what: str) -> SipgateError:
    if isinstance(error, requests.exceptions.InvalidHeader):
        # Refused while the request was built; its text would quote the header, credentials and all.
        return SipgateError("{0} failed: a request header could not be built from the settings; nothing was sent. Check "
                            "the credentials for stray characters".format(what))
    if _unusable_url(error):
        return SipgateError("{0} failed: the API URL is not usable ({1}); nothing was sent. Check api_url "
                            "(expected something like {2})".format(what, type(error).__name__, DEFAULT_API_URL))
    if isinstance(error, requests.exceptions.SSLError):
        return SipgateError("{0} failed: TLS verification failed ({1}); nothing was sent. Fix the certificate trust, "
                            "or set validate_certs to false for a test endpoint".format(what, type(error).__name__))
    if _failed_to_connect(error):
        return SipgateError("{0} failed: could not connect to the API ({1}); nothing was sent".format(what, type(error).__name__),
                            delivery=NOT_DELIVERED, temporary=True)
    reason = getattr(error.args[0], "reason", None) if error.args else None
    timed_out = isinstance(error, requests.exceptions.Timeout) or isinstance(reason, ReadTimeoutError)
    kind = "timed out waiting for the answer" if timed_out else "lost the connection"
    if not what.startswith("POST"):
        return SipgateError("{0} {1}; try again later".format(what, kind), delivery=NOT_DELIVERED, temporary=True)
    return SipgateError("{0} {1} after the request was sent: delivery unknown, the SMS may or may not have gone out".format(what, kind),
                        delivery=UNKNOWN, temporary=True)


class _Authorization:
    """Sets the Authorization header on every request; repr() never shows it."""

    def __init__(self, header: str) -> None:
        self._header = header

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "_Authorization(...)"


class SipgateClient:
    """A connection pool to the sipgate API with one set of credentials."""

    def __init__(self, credentials: Credentials, api_url: str = DEFAULT_API_URL, timeout: float = 10.0,
                 validate_certs: bool = True, retry_policy: RetryPolicy = RetryPolicy(), pool_size: int = 8) -> None:
        if not HAS_REQUESTS:
            raise SipgateError("the Python library 'requests' is required to talk to sipgate; install python3-requests")
        self.api_url = api_url.strip().rstrip("/")
        self.timeout = (min(timeout, 10.0), timeout)
        self.pool_size = pool_size
        self._secrets = credentials.secrets()
        self._session = requests.Session()
        self._session.verify = validate_certs
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # As the session's auth, the header is never replaced by an entry in ~/.netrc, which requests
        # consults for any request that brings no auth of its own.
        self._session.auth = _Authorization(credentials.authorization_header())
        # An attempt may take the connect timeout and then the read timeout before its answer is in.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=_safe_retry(retry_policy, sum(self.timeout)))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SipgateClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        what = "{0} {1}".format(method, path)
        try:
            response = self._session.request(method, self.api_url + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.RequestException as error:
            raise _transport_error(error, what) from None
        if not 200 <= response.status_code < 300:
            raise SipgateError.from_status(response.status_code, what, response.text, self._secrets)
        return response

    def _get_json(self, path: str, params: Optional[dict] = None) -> Any:
        response = self._call("GET", path, params=params)
        try:
            answer = response.json()
        except ValueError:
            raise SipgateError("GET {0} answered with something that is not JSON: check api_url".format(path)) from None
        if not isinstance(answer, dict):
            raise SipgateError("GET {0} answered {1}: {2}".format(path, type(answer).__name__, redact(response.text, self._secrets)))
        return answer

    def send(self, sms: SmsRequest, deadline: Optional[float] = None) -> None:
        """POST one SMS. Any 2xx is success (sipgate answers 204 with no body); a failure raises SipgateError.

        ``deadline`` (a time.monotonic() moment): no retry starts whose answer could come after it.
        """
        _ANSWER_DEADLINE.moment = deadline
        try:
            self._call("POST", SEND_PATH, json=sms.payload())
        finally:
            _ANSWER_DEADLINE.moment = None

    def user_id(self) -> str:
        user = self._get_json("/authorization/userinfo").get("sub")
        if not user:
            raise SipgateError("GET /authorization/userinfo answered without a user id (sub): check api_url")
        return str(user)

    def sms_extensions(self, user_id: Optional[str] = None) -> list[dict]:
        return list(self._get_json("/{0}/sms".format(user_id or self.user_id())).get("items", []))

    def caller_ids(self, sms_id: str, user_id: Optional[str] = None) -> list[dict]:
        return list(self._get_json("/{0}/sms/{1}/callerids".format(user_id or self.user_id(), sms_id)).get("items", []))

    def balance(self) -> dict:
        """The balance as a decimal amount in the account's currency (the API counts in 1/10000)."""
        from decimal import Decimal  # pylint: disable=import-outside-toplevel  # only this answer needs it

        answer = self._get_json("/balance")
        try:
            amount = Decimal(int(answer["amount"])) / Decimal(10000)
        except (KeyError, TypeError, ValueError):
            raise SipgateError("GET /balance answered without a whole-number amount: check api_url") from None
        return {"amount": amount, "currency": str(answer.get("currency", "EUR"))}

    def history(self, since: str, until: Optional[str] = None, phonenumber: Optional[str] = None,
                limit: Optional[int] = None, page_size: int = 1000) -> list[dict]:
        """Outgoing SMS in the account's history between two ISO-8601 moments, newest first.

        Reads page after page (``limit``/``offset``; sipgate answers at most 1000 a page) until
        ``totalCount`` entries, or ``limit`` when given, are in. An SMS sent meanwhile pushes the
        older entries one place on, so an entry may come twice but none is missed.
        """
        base: dict[str, Any] = {"types": "SMS", "directions": "OUTGOING", "from": since}
        if until:
            base["to"] = until
        if phonenumber:
            base["phonenumber"] = phonenumber
        items: list[dict] = []
        while limit is None or len(items) < limit:
            size = page_size if limit is None else min(page_size, limit - len(items))
            answer = self._get_json("/history", params=dict(base, limit=size, offset=len(items)))
            page = list(answer.get("items", []))
            items += page
            total = answer.get("totalCount")
            if len(page) < size or (isinstance(total, int) and len(items) >= total):
                break
        return items
