# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment and the arguments as text, decoded once, where they come in.

Python hands bytes that are not UTF-8 over as surrogate escapes (``web\\udcff01``), which no
encoder accepts later. Alert text (host, service, output, comment, ...) is decoded with
replacement: U+FFFD, later '?' in the SMS, so the alert still goes out. A credential, an id or
a phone number with such bytes cannot be meant: it is refused, naming the variable or option.
Paths stay as they are: the operating system takes their bytes back unchanged.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Mapping, Optional, Sequence, Tuple

# Values that must be exact: environment variable -> what it is.
EXACT_VARIABLES = {
    "SIPGATE_TOKEN_ID": "the token id", "SIPGATE_TOKEN": "the token", "SIPGATE_SMS_ID": "the SMS extension id",
    "SIPGATE_API_URL": "the API URL", "NAGIOS_CONTACTPAGER": "the recipient's number", "NOTIFY_CONTACTPAGER": "the recipient's number",
}
# Options whose value must be exact: option -> what it is.
EXACT_OPTIONS = {"-r": "the recipient's number"}
# Options whose value is a path: kept byte for byte.
PATH_OPTIONS = ("--config",)
PATH_VARIABLES = ("SIPGATE_SMS_STATE_DIR",)


class InputError(ValueError):
    """A value that must be exact holds bytes that are not UTF-8; the message names where it came from."""


def is_text(value: str) -> bool:
    """False when ``value`` carries undecodable bytes (surrogate escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_text(value: str) -> str:
    """``value`` with each undecodable byte replaced by U+FFFD."""
    if is_text(value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (only possible in-process)
        raw = value.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def _refusal(where: str, what: str, value: str) -> str:
    position = next(index for index, character in enumerate(value) if not is_text(character))
    return "{0} ({1}) holds bytes that are not UTF-8 (at character {2}); give it in plain ASCII".format(where, what, position + 1)


class Given:
    """The arguments and environment as text, and the refusals for values that must be exact."""

    __slots__ = ("argv", "env", "refusals")

    def __init__(self, argv: List[str], env: Dict[str, str], refusals: Tuple[str, ...] = ()) -> None:
        self.argv = argv
        self.env = env
        self.refusals = refusals

    def check(self) -> None:
        if self.refusals:
            raise InputError("; ".join(self.refusals))


def _option_value(argument: str, previous: Optional[str]) -> Tuple[Optional[str], str]:
    """(the option whose value ``argument`` is, the value): as the next argument, glued (-rVALUE) or --opt=VALUE."""
    if previous in EXACT_OPTIONS or previous in PATH_OPTIONS:
        return previous, argument
    if previous is not None and len(previous) == 2 and previous.startswith("-") and previous != "--":
        return previous, argument  # the value of another letter, even when it looks like -r...
    for option in (*EXACT_OPTIONS, *PATH_OPTIONS):
        if option.startswith("--") and argument.startswith(option + "="):
            return option, argument[len(option) + 1:]
        if not option.startswith("--") and argument.startswith(option) and len(argument) > len(option):
            return option, argument[len(option):]
    return None, argument


def _arguments(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    decoded: List[str] = []
    refusals: List[str] = []
    previous: Optional[str] = None
    for argument in argv:
        option, value = _option_value(argument, previous)
        if option in PATH_OPTIONS or is_text(argument):
            decoded.append(argument)
        else:
            if option in EXACT_OPTIONS:
                refusals.append(_refusal("option " + option, EXACT_OPTIONS[option], value))
            decoded.append(as_text(argument))
        previous = argument
    return decoded, refusals


def _environment(env: Mapping[str, str]) -> Tuple[Dict[str, str], List[str]]:
    decoded: Dict[str, str] = {}
    refusals: List[str] = []
    for name, value in env.items():
        if name in PATH_VARIABLES or is_text(value):
            decoded[name] = value
            continue
        if name in EXACT_VARIABLES:
            refusals.append(_refusal(name, EXACT_VARIABLES[name], value))
        decoded[name] = as_text(value)
    return decoded, refusals


def decode(argv: Sequence[str], env: Mapping[str, str]) -> Given:
    """Everything the engine handed over, as text; ``check()`` refuses what must be exact."""
    arguments, argument_refusals = _arguments(argv)
    environment, environment_refusals = _environment(env)
    return Given(arguments, environment, tuple(argument_refusals + environment_refusals))
