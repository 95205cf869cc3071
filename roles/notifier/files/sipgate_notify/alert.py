# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One alert as the monitoring engines hand it over: Nagios/Naemon and Checkmk environments, Icinga 2 options."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Mapping, Optional, Tuple

NAGIOS = "nagios"
ICINGA2 = "icinga2"
CHECKMK = "checkmk"

PROBLEM = "problem"
RECOVERY = "recovery"
INFORMATION = "information"

# Types that carry a person's note worth texting (who acknowledged, why the downtime).
ANNOTATED_TYPES = frozenset({"ACKNOWLEDGEMENT", "CUSTOM", "DOWNTIMESTART", "DOWNTIMEEND", "DOWNTIMECANCELLED", "DOWNTIMEREMOVED"})

# Besides digits and white space, what a phone number in a Checkmk parameter may hold.
_PHONE_PUNCTUATION = frozenset("-./()")
_CHECKMK_PARAMETER = "NOTIFY_PARAMETER_"


class AlertError(ValueError):
    """The engine's input does not describe an alert; the message says what is missing."""


class Alert:
    """A host alert (``service`` empty) or a service alert, with who should get it.

    A value: compared by its fields, changed only into a new one by ``replace``. (A plain class: a
    dataclass would import ``dataclasses`` and ``inspect`` on every run, a few milliseconds.)
    """

    __slots__ = ("notification_type", "host", "state", "output", "service", "host_display", "service_display", "long_output",
                 "author", "comment", "date", "recipients", "source", "warnings", "identity")

    def __init__(self, notification_type: str, host: str, state: str, output: str = "", service: str = "", host_display: str = "",
                 service_display: str = "", long_output: str = "", author: str = "", comment: str = "", date: str = "",
                 recipients: tuple = (), source: str = "", warnings: tuple = (), identity: str = "") -> None:
        self.notification_type = notification_type
        self.host = host
        self.state = state
        self.output = output
        self.service = service
        self.host_display = host_display
        self.service_display = service_display
        self.long_output = long_output
        self.author = author
        self.comment = comment
        self.date = date
        self.recipients = recipients
        self.source = source
        # What the notifier noticed about the input (an unknown option, an e-mail address as recipient):
        # journaled with the alert, which is sent all the same.
        self.warnings = warnings
        # What tells apart alerts about the same host and service (a webhook alert's label set, hashed);
        # empty for the engines, whose host and service say it all.
        self.identity = identity

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def replace(self, **changes: object) -> Alert:
        """A copy with ``changes``."""
        fields = dict(zip(self.__slots__, self._fields()))
        fields.update(changes)
        return Alert(**fields)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Alert) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Alert({0})".format(", ".join("{0}={1!r}".format(name, value) for name, value in zip(self.__slots__, self._fields())))

    @property
    def is_service(self) -> bool:
        return bool(self.service)

    @property
    def subject(self) -> str:
        """``web01/HTTP`` for a service, ``web01`` for a host: what the alert is about."""
        return "{0}/{1}".format(self.host, self.service) if self.service else self.host

    @property
    def display_subject(self) -> str:
        """The subject with the display names the engine gave (``Web 01/HTTP check``), else the names."""
        host = self.host_display or self.host
        return "{0}/{1}".format(host, self.service_display or self.service) if self.service else host

    @property
    def category(self) -> str:
        if self.notification_type == "PROBLEM":
            return PROBLEM
        if self.notification_type == "RECOVERY":
            return RECOVERY
        return INFORMATION

    @property
    def annotated(self) -> bool:
        return self.notification_type in ANNOTATED_TYPES or bool(self.notification_type.startswith("ALERTHANDLER") and self.comment)

    def summary(self) -> dict:
        """What the journal records about the alert (no output: it may be long, and it is in the SMS text)."""
        summary = {"type": self.notification_type, "host": self.host, "service": self.service, "state": self.state, "source": self.source}
        if self.warnings:
            summary["warnings"] = list(self.warnings)
        if self.identity:
            summary["identity"] = self.identity
        return summary


def split_recipients(*values: Optional[str]) -> tuple:
    """Pager fields may hold several numbers separated by commas or semicolons; order kept, repeats dropped."""
    found: list = []
    for value in values:
        for part in (value or "").replace(";", ",").split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return tuple(found)


def _build(source: str, fields: Mapping[str, Optional[str]], recipients: Iterable[str]) -> Alert:
    clean = {name: (value or "").strip() for name, value in fields.items()}
    if not clean["notification_type"]:
        raise AlertError("{0} input without a notification type".format(source))
    if not clean["host"]:
        raise AlertError("{0} input without a host name".format(source))
    clean["notification_type"] = clean["notification_type"].upper()
    clean["state"] = clean["state"].upper()
    return Alert(recipients=tuple(recipients), source=source, **clean)


def from_nagios_environment(env: Mapping[str, str]) -> Alert:
    """Nagios 4 / Naemon environment macros (``enable_environment_macros=1``)."""
    service = env.get("NAGIOS_SERVICEDESC", "")
    prefix = "NAGIOS_SERVICE" if service else "NAGIOS_HOST"
    return _build(NAGIOS, {
        "notification_type": env.get("NAGIOS_NOTIFICATIONTYPE"), "host": env.get("NAGIOS_HOSTNAME"),
        "service": service, "state": env.get(prefix + "STATE"), "output": env.get(prefix + "OUTPUT"),
        "long_output": env.get("NAGIOS_LONG" + prefix[len("NAGIOS_"):] + "OUTPUT"),
        "host_display": env.get("NAGIOS_HOSTDISPLAYNAME"), "service_display": env.get("NAGIOS_SERVICEDISPLAYNAME") if service else "",
        "author": env.get("NAGIOS_NOTIFICATIONAUTHOR"), "comment": env.get("NAGIOS_NOTIFICATIONCOMMENT"),
        "date": env.get("NAGIOS_LONGDATETIME"),
    }, split_recipients(env.get("NAGIOS_CONTACTPAGER")))


def _parameter_number(name: str) -> Optional[int]:
    """``3`` for ``NOTIFY_PARAMETER_3``, None for any other name."""
    if not name.startswith(_CHECKMK_PARAMETER):
        return None
    digits = name[len(_CHECKMK_PARAMETER):]
    digits = digits[:-1] if digits.endswith("\n") else digits  # as a regular expression's $ would allow
    return int(digits) if digits and digits.isdecimal() else None


def _looks_like_phone(text: str) -> bool:
    """At least six digits, blanks and ``-./()``, after an optional ``+``."""
    rest = text[1:] if text.startswith("+") else text
    return len(rest) >= 6 and all(character.isdecimal() or character.isspace() or character in _PHONE_PUNCTUATION
                                  for character in rest)


def _checkmk_parameter_recipients(env: Mapping[str, str]) -> list:
    """NOTIFY_PARAMETER_1, _2, …: those that are phone numbers add recipients (in their order)."""
    numbered = sorted((number, value) for name, value in env.items() for number in [_parameter_number(name)] if number is not None)
    return [part for _number, value in numbered for part in split_recipients(value) if _looks_like_phone(part)]


def from_checkmk_environment(env: Mapping[str, str]) -> Alert:
    """Checkmk's ``NOTIFY_*`` context of a notification script."""
    what = env.get("NOTIFY_WHAT", "").strip().upper()
    if what not in ("HOST", "SERVICE"):
        raise AlertError("Checkmk input with NOTIFY_WHAT={0!r}; expected HOST or SERVICE".format(env.get("NOTIFY_WHAT", "")))
    prefix = "NOTIFY_" + what
    return _build(CHECKMK, {
        "notification_type": env.get("NOTIFY_NOTIFICATIONTYPE"), "host": env.get("NOTIFY_HOSTNAME"),
        "service": env.get("NOTIFY_SERVICEDESC", "") if what == "SERVICE" else "",
        "state": env.get(prefix + "STATE"), "output": env.get(prefix + "OUTPUT"),
        "long_output": env.get("NOTIFY_LONG" + what + "OUTPUT"),
        # Checkmk's host alias is a description, not a display name: its views and mails name the host.
        "host_display": "", "service_display": "",
        "author": env.get("NOTIFY_NOTIFICATIONAUTHOR"), "comment": env.get("NOTIFY_NOTIFICATIONCOMMENT"),
        "date": env.get("NOTIFY_LONGDATETIME") or env.get("NOTIFY_SHORTDATETIME"),
    }, split_recipients(env.get("NOTIFY_CONTACTPAGER"), *_checkmk_parameter_recipients(env)))


def _phone_numbers(values: Iterable[str]) -> Tuple[list, list]:
    """Recipients and warnings: an e-mail address (the stock mail command's ``$user.email$``) is no pager."""
    numbers, warnings = [], []
    for value in values:
        if "@" in value:
            warnings.append("-r {0!r} is an e-mail address, not a pager number: ignored (pass $user.pager$ as -r)".format(value))
        else:
            numbers.append(value)
    return numbers, warnings


def from_icinga_options(options: Mapping[str, Optional[str]], warnings: Iterable[str] = ()) -> Alert:
    """The values of the stock mail-*-notification.sh letters, keyed by letter (``t``, ``l``, ``e``, …)."""
    numbers, about_numbers = _phone_numbers(split_recipients(options.get("r")))
    alert = _build(ICINGA2, {
        "notification_type": options.get("t"), "host": options.get("l"), "service": options.get("e"),
        "state": options.get("s"), "output": options.get("o"), "long_output": "",
        "host_display": options.get("n"), "service_display": options.get("u"),
        "author": options.get("b"), "comment": options.get("c"), "date": options.get("d"),
    }, numbers)
    return alert.replace(warnings=tuple(warnings) + tuple(about_numbers))


def with_nagios_environment(alert: Alert, env: Mapping[str, str]) -> Alert:
    """Options from a Nagios command line, completed from its NAGIOS_* macros where the admin turned them on.

    The environment keeps what Nagios strips from output macros on a command line (quotes, '$', ...),
    and carries display names and comments the role's commands leave out. Only an environment about
    the same alert counts.
    """
    if not env.get("NAGIOS_NOTIFICATIONTYPE"):
        return alert
    try:
        described = from_nagios_environment(env)
    except AlertError:
        return alert
    same = (described.notification_type, described.host, described.service) == (alert.notification_type, alert.host, alert.service)
    if not same:
        return alert
    return described.replace(recipients=alert.recipients or described.recipients, warnings=alert.warnings)


def from_environment(env: Mapping[str, str]) -> Optional[Alert]:
    """The alert in the environment (Checkmk first: it may run below an engine that sets NAGIOS_*), or None."""
    if env.get("NOTIFY_WHAT"):
        return from_checkmk_environment(env)
    if env.get("NAGIOS_NOTIFICATIONTYPE") or env.get("NAGIOS_HOSTNAME"):
        return from_nagios_environment(env)
    return None
