# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings from the INI file and the environment (the environment wins). Secrets never come from argv.

A run that only decides needs neither configparser (``settings_cache``) nor the helper's
credentials: the token is checked for being there, and read and made into credentials to send.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import time

from .alert import split_recipients
from .template import ALERTMANAGER_TEMPLATE, DEFAULT_TEMPLATE, TemplateError, check_template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from configparser import ConfigParser
    from typing import Mapping, Optional, Tuple

    from sipgate_api.credentials import Credentials  # pylint: disable=import-error

DEFAULT_CONFIG_FILE = "/etc/sipgate-sms/notify.ini"
DEFAULT_STATE_DIR = "/var/lib/sipgate-sms"
DEFAULT_API_URL = "https://api.sipgate.com/v2"

STATE_DIR_VARIABLE = "SIPGATE_SMS_STATE_DIR"
# Environment variable -> setting. Only these; a secret in argv is refused elsewhere.
ENVIRONMENT = {
    "SIPGATE_TOKEN_ID": "token_id",
    "SIPGATE_TOKEN": "token",
    "SIPGATE_SMS_ID": "sms_id",
    "SIPGATE_API_URL": "api_url",
    STATE_DIR_VARIABLE: "state_dir",
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


class Settings:
    """Everything a run needs to know. ``token`` stays out of repr() so it never lands in a log.

    ``token`` is None while it is in ``settings_file`` but not read yet (see ``with_token``).
    A value, changed only into a new one by ``replace``; a plain class, as importing ``dataclasses``
    would cost every run milliseconds.
    """

    __slots__ = ("token_id", "token", "sms_id", "api_url", "validate_certs", "template", "max_segments", "dedup_window", "budget",
                 "budget_window", "state_dir", "recipients", "spool_max_age", "unknown_hold_off", "region", "alertmanager_template",
                 "settings_file")

    def __init__(self, token_id: str = "", token: Optional[str] = "", sms_id: str = "", api_url: str = DEFAULT_API_URL,
                 validate_certs: bool = True, template: str = DEFAULT_TEMPLATE, max_segments: int = 1, dedup_window: float = 900.0,
                 budget: int = 5, budget_window: float = 600.0, state_dir: str = DEFAULT_STATE_DIR, recipients: tuple = (),
                 spool_max_age: float = 86400.0, unknown_hold_off: float = 120.0, region: str = "DE",
                 alertmanager_template: str = ALERTMANAGER_TEMPLATE, settings_file: str = "") -> None:
        self.token_id = token_id
        self.token = token
        self.sms_id = sms_id
        self.api_url = api_url
        self.validate_certs = validate_certs
        self.template = template
        self.max_segments = max_segments
        self.dedup_window = dedup_window
        self.budget = budget
        self.budget_window = budget_window
        self.state_dir = state_dir
        self.recipients = recipients
        self.spool_max_age = spool_max_age
        self.unknown_hold_off = unknown_hold_off
        self.region = region  # national numbers are read in it; the helper refuses a code phonenumbers does not know
        self.alertmanager_template = alertmanager_template  # the SMS of a webhook notification (--serve)
        self.settings_file = settings_file  # the file the settings were read from, if any

    @property
    def has_token(self) -> bool:
        return self.token is None or bool(self.token)

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes``."""
        fields = dict(zip(self.__slots__, self._fields()))
        fields.update(changes)
        return Settings(**fields)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Settings(token_id={0!r}, sms_id={1!r}, api_url={2!r}, state_dir={3!r})".format(
            self.token_id, self.sms_id, self.api_url, self.state_dir)


def check_permissions(path: str, mode: Optional[int] = None) -> None:
    """Refuse a settings file others may read: it holds the token. ``mode``: its st_mode, when known."""
    mode = stat.S_IMODE(os.stat(path).st_mode if mode is None else mode)
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        raise ConfigError("{0} is readable by {1} (mode {2:04o}) but holds the sipgate token; "
                          "run: chmod 600 {0}".format(path, "group and others" if mode & stat.S_IRGRP and mode & stat.S_IROTH
                                                      else "its group" if mode & stat.S_IRGRP else "everyone", mode))


def parse_file(path: str) -> ConfigParser:
    """The file's sections, once its permissions are checked; the keys are lower case."""
    import configparser  # pylint: disable=import-outside-toplevel  # only a run with a settings file needs it

    check_permissions(path)
    parser = configparser.ConfigParser(interpolation=None)  # a template may contain '%'
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except configparser.Error as error:
        raise ConfigError("cannot read {0}: {1}".format(path, _unquoted(error))) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("cannot read {0}: {1}".format(path, error)) from None
    return parser


def _unquoted(error: Exception) -> str:
    """What is wrong and on which line, without the line: configparser quotes it, and it may hold the token."""
    import configparser  # pylint: disable=import-outside-toplevel

    lineno = getattr(error, "lineno", None)
    if lineno is None and getattr(error, "errors", None):
        lineno = error.errors[0][0]  # type: ignore[attr-defined]
    if isinstance(error, configparser.MissingSectionHeaderError):
        what = "a setting comes before the first [section] header"
    elif isinstance(error, configparser.DuplicateOptionError):
        what = "a setting of [{0}] is given a second time".format(error.section)
    elif isinstance(error, configparser.DuplicateSectionError):
        what = "the section [{0}] is given a second time".format(error.section)
    else:
        what = "a line is neither a [section] header nor a 'name = value' setting"
    where = "line {0}".format(lineno) if lineno else "the file"
    return "{0}: {1} (the line is not shown: it may hold the token); fix {0}".format(where, what)


def read_file(path: str) -> dict:
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
    settings = settings.replace(**typed)
    # The built-in templates are known to render.
    if "template" in typed:
        try:
            check_template(settings.template)
        except TemplateError as error:
            raise ConfigError("template: {0}".format(error)) from None
    if "alertmanager_template" in typed:
        from .alertmanager import check_template as check_alertmanager_template  # pylint: disable=import-outside-toplevel

        try:
            check_alertmanager_template(settings.alertmanager_template)
        except TemplateError as error:
            raise ConfigError(str(error)) from None
    return settings


def _stat(path: str) -> Optional[os.stat_result]:
    """The file's status, None when it does not exist (as ``pathlib.Path.exists`` tells); other errors are raised."""
    try:
        return os.stat(path)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise
    except ValueError:  # a path the system cannot take (a NUL in it)
        return None


def _file_values(path: str, info: os.stat_result, cache_dir: Optional[str]) -> Tuple[dict, bool, bool]:
    """The file's values, whether it gives a token, and whether they came from the cache (in ``cache_dir``, if any)."""
    check_permissions(path, info.st_mode)
    if cache_dir is not None:
        from . import settings_cache  # pylint: disable=import-outside-toplevel

        cached = settings_cache.lookup(cache_dir, path, info)
        if cached is not None:
            return cached["values"], cached["token_given"], True
    values = read_file(path)
    return values, bool(values.get("token", "").strip()), False


def load(config_file: Optional[str], env: Mapping[str, str], cached: bool = False) -> Settings:
    """The file (``--config``, else the default when it exists) overlaid with the SIPGATE_* environment.

    ``cached``: the file's values may come from the settings cache, and go into it (see
    ``settings_cache``); its token is then read only when it is needed (``with_token``).
    """
    path = config_file or DEFAULT_CONFIG_FILE
    looked_at = time.time()
    try:
        info = _stat(path)
    except OSError as error:  # a folder on the way that this user may not enter
        raise ConfigError("cannot read the settings file {0} ({1}); let the user that runs notifications read it, "
                          "or give --config".format(path, error)) from None
    if info is None and config_file:
        raise ConfigError("the settings file {0} does not exist; create it (mode 600) or drop --config and use SIPGATE_* variables".format(path))
    # Where the state directory is before the file is read: where its cache may be.
    cache_dir = ((env.get(STATE_DIR_VARIABLE) or "").strip() or DEFAULT_STATE_DIR) if cached else None
    values: dict = {}
    token_in_file = from_cache = False
    if info is not None:
        file_values, token_in_file, from_cache = _file_values(path, info, cache_dir)
        values.update(file_values)
    values.update({setting: env[variable] for variable, setting in ENVIRONMENT.items() if env.get(variable)})
    settings = settings_from(values).replace(settings_file=path if info is not None else "")
    if from_cache and token_in_file and "token" not in values:
        settings = settings.replace(token=None)
    if info is not None and cache_dir is not None and not from_cache and settings.state_dir == cache_dir:
        from . import settings_cache  # pylint: disable=import-outside-toplevel

        settings_cache.remember(cache_dir, path, info, file_values, looked_at)
    return settings


def with_token(settings: Settings) -> Settings:
    """``settings`` with the token, read from the settings file when a cached read left it out."""
    if settings.token is not None:
        return settings
    values = read_file(settings.settings_file)
    return settings.replace(token=values.get("token", "").strip())


def checked_credentials(settings: Settings) -> None:
    """Refuse settings that could never send (a bad sms_id, credentials missing) in the helper's words.

    Complete settings pass without importing anything: their credentials are only made to send.
    """
    if not (settings.token_id and settings.has_token) or (settings.sms_id and not _plain_sms_id(settings.sms_id)):
        credentials_of(settings)


def _plain_sms_id(sms_id: str) -> bool:
    """An id like s0 or s12 (which the helper's check surely accepts)."""
    digits = sms_id.strip()[1:]
    return sms_id.strip()[:1] == "s" and digits.isascii() and digits.isdigit() and (digits == "0" or digits[:1] != "0")


def credentials_of(settings: Settings) -> Credentials:
    """The credentials of the settings, checked by the helper; its error names the setting to fix."""
    # pylint: disable=import-error,import-outside-toplevel
    from sipgate_api.credentials import choose_credentials
    from sipgate_api.request import validate_sms_id

    settings = with_token(settings)
    if settings.sms_id:
        validate_sms_id(settings.sms_id)
    return choose_credentials(token_id=settings.token_id or None, token=settings.token or None)
