# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What only the webhook receiver (``--serve``) reads: where it listens, ``[serve]`` and ``[receivers]``.

``[serve]`` holds ``bearer_token`` (required to listen beyond loopback, sent by Alertmanager's
``http_config.authorization`` and Grafana's Authorization header) and ``flush_interval``.
``[receivers]`` maps an Alertmanager or Grafana receiver name to phone numbers, for webhook URLs
without ``?to=``. Both live in the notifier's settings file, mode 0600 like the sipgate token.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

from sipgate_api.errors import SmsValidationError  # pylint: disable=import-error
from sipgate_api.request import normalise_recipient  # pylint: disable=import-error

from .alert import split_recipients
from .config import DEFAULT_CONFIG_FILE, ConfigError, number, parse_file

HEALTH_PATH = "/healthz"
SERVE_KEYS = ("bearer_token", "flush_interval")
FLUSH_INTERVAL = (float, 1, "seconds between two looks at the spool", "flush_interval = 30")
# Long enough that guessing it is hopeless; printable ASCII without spaces, as an HTTP header carries it.
MIN_TOKEN_LENGTH = 16
_TOKEN = re.compile(r"^[\x21-\x7e]+$")
_LISTEN = re.compile(r"^(?:(?P<host>\[[^\]]*\]|[^:\[\]]*):)?(?P<port>\d{1,5})$")


@dataclass(frozen=True)
class ServeSettings:
    """``[serve]`` and ``[receivers]``; the token stays out of repr() so it never lands in a log."""

    bearer_token: str = ""
    flush_interval: float = 30.0
    # Receiver name in lower case -> its numbers as written.
    receivers: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "ServeSettings(bearer_token={0}, flush_interval={1!r}, receivers={2!r})".format(
            "set" if self.bearer_token else "unset", self.flush_interval, sorted(self.receivers))

    def numbers_of(self, receiver: str) -> Tuple[str, ...]:
        """The numbers of a receiver; names are matched without regard to case, like the settings file's keys."""
        return self.receivers.get(receiver.lower(), ())


@dataclass(frozen=True)
class Listen:
    """The resolved address to bind, and whether only this machine can reach it."""

    family: int
    address: tuple
    loopback: bool

    @property
    def url(self) -> str:
        host = self.address[0]
        return "http://{0}:{1}".format("[{0}]".format(host) if ":" in host else host, self.address[1])


def parse_listen(text: str) -> Listen:
    """``[HOST:]PORT`` (``9826``, ``0.0.0.0:9826``, ``[::1]:9826``); the host defaults to 127.0.0.1."""
    # Imported here: every notification imports this module (for the help), only --serve needs these.
    import ipaddress  # pylint: disable=import-outside-toplevel
    import socket  # pylint: disable=import-outside-toplevel

    match = _LISTEN.match(text.strip())
    port = int(match.group("port")) if match else -1
    if not match or port > 65535:
        raise ConfigError("--serve {0!r}: give [HOST:]PORT, e.g. --serve 9826, --serve 127.0.0.1:9826 or --serve [::1]:9826".format(text))
    host = match.group("host")
    host = "127.0.0.1" if host is None else host.strip("[]") or "0.0.0.0"
    try:
        family, _type, _proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigError("--serve {0!r}: cannot resolve {1!r} ({2})".format(text, host, error)) from None
    return Listen(family, address[:2], ipaddress.ip_address(address[0].split("%", 1)[0]).is_loopback)


def _receivers(parser: configparser.ConfigParser, path: Path) -> Dict[str, Tuple[str, ...]]:
    receivers = {}
    for name, value in parser.items("receivers") if parser.has_section("receivers") else ():
        numbers = split_recipients(value)
        if not numbers:
            raise ConfigError("{0}: [receivers] {1} has no number; write {1} = +4915799912345, +4915799912346".format(path, name))
        receivers[name] = numbers
    return receivers


def _token(raw: str, path: Path) -> str:
    token = raw.strip()
    if token and (len(token) < MIN_TOKEN_LENGTH or not _TOKEN.match(token)):
        raise ConfigError("{0}: [serve] bearer_token must be at least {1} printable ASCII characters without spaces; "
                          "make one with: openssl rand -hex 32".format(path, MIN_TOKEN_LENGTH))
    return token


def load(config_file: Optional[str]) -> ServeSettings:
    """``[serve]`` and ``[receivers]`` of the settings file (``--config``, else the default when it exists)."""
    path = Path(config_file or DEFAULT_CONFIG_FILE)
    if not config_file and not path.exists():
        return ServeSettings()
    parser = parse_file(path)
    values = dict(parser.items("serve")) if parser.has_section("serve") else {}
    unknown = sorted(set(values) - set(SERVE_KEYS))
    if unknown:
        raise ConfigError("{0}: unknown setting {1!r} in [serve]; known: {2}".format(path, unknown[0], ", ".join(SERVE_KEYS)))
    interval = values.get("flush_interval", "").strip()
    return ServeSettings(bearer_token=_token(values.get("bearer_token", ""), path),
                         flush_interval=number("flush_interval", interval, FLUSH_INTERVAL) if interval else ServeSettings.flush_interval,
                         receivers=_receivers(parser, path))


def check_numbers(settings: ServeSettings, region: str) -> None:
    """Every number in [receivers] is one, before any notification depends on it."""
    for receiver, numbers in settings.receivers.items():
        for raw in numbers:
            try:
                normalise_recipient(raw, "[receivers] " + receiver, region=region)
            except SmsValidationError as error:
                raise ConfigError(str(error)) from None


def check_exposure(listen: Listen, settings: ServeSettings) -> None:
    """Beyond loopback anyone on the network could make it send SMS: not without a bearer token."""
    if not listen.loopback and not settings.bearer_token:
        raise ConfigError("--serve {0}: listening beyond loopback needs [serve] bearer_token in the settings file "
                          "(Alertmanager sends it with http_config.authorization, Grafana with its Authorization header); "
                          "or listen on 127.0.0.1".format(listen.url[len("http://"):]))
