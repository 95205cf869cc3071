# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings from the INI file and the environment (the environment wins). Secrets never come from argv."""

from __future__ import annotations

import configparser
import math
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Optional

from .alert import split_recipients
from .alertmanager import DEFAULT_TEMPLATE as ALERTMANAGER_TEMPLATE
from .alertmanager import check_template as check_alertmanager_template
from .message import DEFAULT_TEMPLATE, TemplateError, check_template

DEFAULT_CONFIG_FILE = "/etc/sipgate-sms/notify.ini"
DEFAULT_STATE_DIR = "/var/lib/sipgate-sms"
DEFAULT_API_URL = "https://api.sipgate.com/v2"

# Environment variable -> setting. Only these; a secret in argv is refused elsewhere.
ENVIRONMENT = {
    "SIPGATE_TOKEN_ID": "token_id",
    "SIPGATE_TOKEN": "token",
    "SIPGATE_SMS_ID": "sms_id",
    "SIPGATE_API_URL": "api_url",
    "SIPGATE_SMS_STATE_DIR": "state_dir",
}
SIPGATE_KEYS = ("token_id", "token", "sms_id", "api_url", "validate_certs")
NOTIFY_KEYS = ("template", "max_segments", "dedup_window", "budget", "budget_window", "state_dir", "recipients", "spool_max_age",
               "unknown_hold_off", "region", "alertmanager_template")
# Number settings: key -> (type, least value, what it counts, an example line).
NUMBERS = {
    "max_segments": (int, 1, "SMS segments", "max_segments = 1"),
    "budget": (int, 1, "SMS per budget_window", "budget = 5"),
    "dedup_window": (float, 0, "seconds (0 switches deduplication off)", "dedup_window = 900"),
    "budget_window": (float, 1, "seconds", "budget_window = 600"),
    "spool_max_age": (float, 60, "seconds", "spool_max_age = 86400"),
    "unknown_hold_off": (float, 0, "seconds before an SMS of unknown delivery is sent once more", "unknown_hold_off = 120"),
}


class ConfigError(Exception):
    """The settings are unusable; the message says which one and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know. ``token`` stays out of repr() so it never lands in a log."""

    token_id: str = ""
    token: str = ""
    sms_id: str = ""
    api_url: str = DEFAULT_API_URL
    validate_certs: bool = True
    template: str = DEFAULT_TEMPLATE
    max_segments: int = 1
    dedup_window: float = 900.0
    budget: int = 5
    budget_window: float = 600.0
    state_dir: str = DEFAULT_STATE_DIR
    recipients: tuple = ()
    spool_max_age: float = 86400.0
    unknown_hold_off: float = 120.0
    region: str = "DE"  # national numbers are read in it; the helper refuses a code phonenumbers does not know
    alertmanager_template: str = ALERTMANAGER_TEMPLATE  # the SMS of a webhook notification (--serve)

    def __repr__(self) -> str:
        return "Settings(token_id={0!r}, sms_id={1!r}, api_url={2!r}, state_dir={3!r})".format(
            self.token_id, self.sms_id, self.api_url, self.state_dir)


def check_permissions(path: Path) -> None:
    """Refuse a settings file others may read: it holds the token."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        raise ConfigError("{0} is readable by {1} (mode {2:04o}) but holds the sipgate token; "
                          "run: chmod 600 {0}".format(path, "group and others" if mode & stat.S_IRGRP and mode & stat.S_IROTH
                                                      else "its group" if mode & stat.S_IRGRP else "everyone", mode))


def parse_file(path: Path) -> configparser.ConfigParser:
    """The file's sections, once its permissions are checked; the keys are lower case."""
    check_permissions(path)
    parser = configparser.ConfigParser(interpolation=None)  # a template may contain '%'
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error, UnicodeDecodeError) as error:
        raise ConfigError("cannot read {0}: {1}".format(path, error)) from None
    return parser


def read_file(path: Path) -> dict:
    """The file's settings as strings; unknown keys are refused so a typo does not go unnoticed."""
    parser = parse_file(path)
    values: dict = {}
    for section, known in (("sipgate", SIPGATE_KEYS), ("notify", NOTIFY_KEYS)):
        if not parser.has_section(section):
            continue
        for key, value in parser.items(section):
            if key not in known:
                raise ConfigError("{0}: unknown setting {1!r} in [{2}]; known: {3}".format(path, key, section, ", ".join(known)))
            values[key] = value
    return values


def number(name: str, raw: str, spec: Optional[tuple] = None) -> float:
    """A finite number of at least the key's minimum: nan or inf would silently switch dedup or the budget off.

    ``spec`` is (type, least value, what it counts, an example line), by default the one in NUMBERS.
    """
    kind, minimum, unit, example = spec or NUMBERS[name]
    try:
        value = kind(raw)
    except ValueError:
        problem = "is not a number"
    else:
        problem = "is not a finite number" if not math.isfinite(value) else "is less than {0}".format(minimum) if value < minimum else ""
    if problem:
        raise ConfigError("{0} = {1!r} {2}: give a {3}number of {4}, at least {5}, e.g. {6}".format(
            name, raw, problem, "whole " if kind is int else "", unit, minimum, example))
    return value


def _boolean(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "yes", "true", "on"):
        return True
    if text in ("0", "no", "false", "off"):
        return False
    raise ConfigError("{0} = {1!r} is not a yes/no value".format(name, raw))


def settings_from(values: Mapping[str, str]) -> Settings:
    """Typed, checked settings from strings (file and environment merged)."""
    settings = Settings()
    typed: dict = {key: values[key].strip() for key in ("token_id", "token", "sms_id", "api_url", "state_dir", "region") if values.get(key)}
    for key in ("template", "alertmanager_template"):
        if values.get(key, "").strip():  # an empty template (a role default) means the built-in one
            typed[key] = values[key]
    for key in NUMBERS:
        if values.get(key, "").strip():
            typed[key] = number(key, values[key].strip())
    if values.get("validate_certs", "").strip():
        typed["validate_certs"] = _boolean("validate_certs", values["validate_certs"])
    if values.get("recipients", "").strip():
        typed["recipients"] = split_recipients(values["recipients"])
    settings = replace(settings, **typed)
    try:
        check_template(settings.template)
    except TemplateError as error:
        raise ConfigError("template: {0}".format(error)) from None
    if "alertmanager_template" in typed:  # the built-in one is known to render
        try:
            check_alertmanager_template(settings.alertmanager_template)
        except TemplateError as error:
            raise ConfigError(str(error)) from None
    return settings


def load(config_file: Optional[str], env: Mapping[str, str]) -> Settings:
    """The file (``--config``, else the default when it exists) overlaid with the SIPGATE_* environment."""
    path = Path(config_file or DEFAULT_CONFIG_FILE)
    values: dict = {}
    try:
        exists = path.exists()
    except OSError as error:  # a folder on the way that this user may not enter
        raise ConfigError("cannot read the settings file {0} ({1}); let the user that runs notifications read it, "
                          "or give --config".format(path, error)) from None
    if exists:
        values.update(read_file(path))
    elif config_file:
        raise ConfigError("the settings file {0} does not exist; create it (mode 600) or drop --config and use SIPGATE_* variables".format(path))
    values.update({setting: env[variable] for variable, setting in ENVIRONMENT.items() if env.get(variable)})
    return settings_from(values)
