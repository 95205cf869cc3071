# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether an api_url keeps the credentials private.

Every request carries the token (HTTP Basic is only base64). Plain http is accepted for a test
endpoint on this machine, with a warning, and refused anywhere else, where the credentials
would cross a network unencrypted.
"""

from __future__ import annotations

from .errors import SmsValidationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

# How a test endpoint on this machine is usually written: http://HOST[:PORT][/path], HOST one of these.
_USUAL_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    import ipaddress  # pylint: disable=import-outside-toplevel  # only plain http needs it

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plainly_loopback(text: str) -> bool:
    """``http://127.0.0.1:8080/v2`` and the like: what urlsplit and ipaddress would call loopback too.

    Only this exact form is recognised here; anything else (another host, a user, a query right
    after the port, an unusual character) is left to urlsplit.
    """
    if text[:7].lower() != "http://":
        return False
    netloc = text[7:].split("/", 1)[0]
    for host in _USUAL_LOOPBACK:
        if netloc == host:
            return True
        port = netloc[len(host) + 1:] if netloc.startswith(host + ":") else ""
        if port and port.isascii() and port.isdigit():
            return True
    return False


def _warning(api_url: str) -> str:
    return ("api_url {0} is plain http: the credentials are sent unencrypted, which is acceptable only for a test endpoint "
            "on this machine".format(api_url))


def _refuse_credentials(text: str) -> None:
    """Credentials belong in their own settings: in the URL they would be shown wherever the URL is."""
    authority = text.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority:
        raise SmsValidationError("api_url", "carries credentials before its host (user:password@host); the URL is not "
                                 "repeated here because of them",
                                 "give the URL without them, and the credentials as token_id and token")


def unverified_tls_warning(api_url: str, validate_certs: bool) -> Optional[str]:
    """A warning when https is used without checking the certificate (a typo in a yes/no setting reads as no)."""
    if validate_certs or str(api_url).strip()[:6].lower() != "https:":
        return None
    return ("validate_certs is off: the certificate of {0} is not checked, so whoever sits in between can read the "
            "credentials; turn it off only for a test endpoint".format(api_url))


def plain_http_warning(api_url: str) -> Optional[str]:
    """A warning for plain http on loopback, None for anything else; refuses plain http beyond loopback
    and credentials written into the URL."""
    text = str(api_url).strip()
    _refuse_credentials(text)
    if text[:6].lower() == "https:":
        return None  # what urlsplit would find too: the scheme is https
    if _plainly_loopback(text):
        return _warning(api_url)
    from urllib.parse import urlsplit  # pylint: disable=import-outside-toplevel

    try:
        parts = urlsplit(text)
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
    return _warning(api_url)


def connection_warning(api_url: str, validate_certs: bool) -> Optional[str]:
    """What the user should hear about how the credentials travel (plain http on loopback, https unverified), or None.

    Refuses plain http beyond loopback and credentials written into the URL.
    """
    return plain_http_warning(api_url) or unverified_tls_warning(api_url, validate_certs)
