# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to reach sipgate, checked once for every caller: module, callback and notifier."""

from __future__ import annotations

import math
from typing import Optional

from .api_url import connection_warning, plain_http_warning
from .client import DEFAULT_API_URL, RetryPolicy, SipgateClient
from .credentials import Credentials
from .errors import SmsValidationError
from .frozen import Frozen

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 32


class Connection(Frozen):
    """Credentials, endpoint, limits: everything a client needs, already validated."""

    __slots__ = ("credentials", "api_url", "timeout", "validate_certs", "retries", "max_retry_after", "concurrency")
    credentials: Credentials
    api_url: str
    timeout: float
    validate_certs: bool
    retries: int
    max_retry_after: float
    concurrency: int

    def __init__(self, credentials: Credentials, api_url: str = DEFAULT_API_URL, timeout: float = 10.0, validate_certs: bool = True,
                 retries: int = 3, max_retry_after: float = 30.0, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self._set(credentials=credentials, api_url=api_url, timeout=timeout, validate_certs=validate_certs, retries=retries,
                  max_retry_after=max_retry_after, concurrency=concurrency)
        self._check()

    def _check(self) -> None:
        if not isinstance(self.timeout, (int, float)) or not math.isfinite(self.timeout) or self.timeout <= 0:
            raise SmsValidationError("timeout", "must be a number of seconds above 0", "give a positive number like 10")
        if not isinstance(self.retries, int) or self.retries < 0:
            raise SmsValidationError("retries", "must not be negative", "give 0 to never repeat a request")
        if not isinstance(self.concurrency, int) or not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise SmsValidationError("concurrency", "must be between 1 and {0}".format(MAX_CONCURRENCY),
                                     "give 1 to send one SMS after the other")
        if not str(self.api_url).strip():
            raise SmsValidationError("api_url", "is empty", "give {0}, or leave it unset".format(DEFAULT_API_URL))
        plain_http_warning(self.api_url)  # refuses plain http beyond loopback

    @property
    def warning(self) -> Optional[str]:
        """What the user should hear about this connection (plain http on loopback, https unverified), or None."""
        return connection_warning(self.api_url, self.validate_certs)

    def open_client(self) -> SipgateClient:
        return SipgateClient(self.credentials, api_url=self.api_url, timeout=self.timeout, validate_certs=self.validate_certs,
                             retry_policy=RetryPolicy(retries=self.retries, max_retry_after=self.max_retry_after),
                             pool_size=self.concurrency)
