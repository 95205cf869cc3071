# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether an api_url keeps the credentials private.

Every request carries the token (HTTP Basic is only base64). Plain http is accepted for a test
endpoint on this machine, with a warning, and refused anywhere else, where the credentials
would cross a network unencrypted.
"""

from __future__ import annotations

import ipaddress
from typing import Optional
from urllib.parse import urlsplit

from .errors import SmsValidationError


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_warning(api_url: str) -> Optional[str]:
    """A warning for plain http on loopback, None for anything else; refuses plain http beyond loopback."""
    try:
        parts = urlsplit(str(api_url).strip())
        host = parts.hostname or ""
    except ValueError:
        return None  # not a URL at all: the client says so when it is used
    if parts.scheme.lower() != "http":
        return None
    if not _is_loopback(host):
        raise SmsValidationError("api_url", "{0} is plain http to another machine: the credentials would cross the network "
                                 "unencrypted".format(api_url),
                                 "use https:// (the default is https://api.sipgate.com/v2); plain http is accepted only on "
                                 "loopback, for a test endpoint")
    return ("api_url {0} is plain http: the credentials are sent unencrypted, which is acceptable only for a test endpoint "
            "on this machine".format(api_url))
