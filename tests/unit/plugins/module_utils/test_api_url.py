# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain http: warned about on loopback, refused anywhere else; https passes silently."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.api_url import _plainly_loopback, plain_http_warning, unverified_tls_warning
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError


@pytest.mark.parametrize("url", ["https://api.sipgate.com/v2", "https://10.0.0.5/v2", "HTTPS://proxy.example/v2",
                                 "api.sipgate.com/v2", "ftp://api.sipgate.com/v2", "http://[::1"])
def test_https_and_what_is_no_http_url_are_left_alone(url: str) -> None:
    assert plain_http_warning(url) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v2", "http://127.1.2.3/v2", "http://localhost:9/v2",
                                 "HTTP://LOCALHOST./v2", "http://[::1]:8080/v2"])
def test_plain_http_on_loopback_is_a_warning(url: str) -> None:
    warning = plain_http_warning(url)
    assert warning is not None and "unencrypted" in warning and url in warning


@pytest.mark.parametrize("url", ["http://api.sipgate.com/v2", "http://10.0.0.5/v2", "http://[2001:db8::1]/v2",
                                 "http://localhost.example.com/v2", "http:///v2"])
def test_plain_http_beyond_loopback_is_refused(url: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        plain_http_warning(url)
    assert caught.value.field == "api_url"
    assert "https://" in caught.value.fix and "loopback" in caught.value.fix


@pytest.mark.parametrize("url", ["http://127.0.0.1:18555/v2", "http://127.0.0.1", "http://localhost:80/v2", "http://[::1]:8080/v2",
                                 "HTTP://127.0.0.1:5/", "http://127.0.0.1:/v2", "http://127.0.0.1:80@evil.example/",
                                 "http://127.0.0.1.evil.example/", "http://127.0.0.1\n.evil.example/", "http://127.0.0.1:80\\@evil.example/",
                                 "http://127.0.0.1:8080?x", "http://127.0.0.1:\uff18\uff10/", "http://LOCALHOST/"])
def test_the_quick_look_at_a_loopback_url_agrees_with_urlsplit(url: str) -> None:
    # Without urllib.parse and ipaddress only the usual spellings are recognised; everything else gets the full look.
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    if _plainly_loopback(url):
        assert host in ("127.0.0.1", "localhost", "::1")
    expected = "refused" if host not in ("127.0.0.1", "localhost", "::1") else "warning"
    try:
        told = "warning" if plain_http_warning(url) else "nothing"
    except SmsValidationError:
        told = "refused"
    assert told == expected


@pytest.mark.parametrize("url", ["http://token-SIM001:0f5b5d0e-secret@127.0.0.1:8080/v2", "https://user:pa55@api.sipgate.com/v2",
                                 " https://user@api.sipgate.com/v2", "http://user@127.0.0.1/"])
def test_credentials_in_the_url_are_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        plain_http_warning(url)
    assert caught.value.field == "api_url" and "token_id and token" in caught.value.fix
    assert "0f5b5d0e" not in str(caught.value) and "pa55" not in str(caught.value) and "user" not in str(caught.value).replace("user:password", "")


def test_https_without_checking_the_certificate_is_warned_about() -> None:
    warning = unverified_tls_warning("https://api.sipgate.com/v2", False)
    assert warning is not None and "validate_certs is off" in warning and "test endpoint" in warning
    assert unverified_tls_warning("https://api.sipgate.com/v2", True) is None
    assert unverified_tls_warning("http://127.0.0.1:8080/v2", False) is None  # plain http has its own warning
