# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The arguments an engine passes: the letters of Icinga 2's stock mail scripts, sorted from what is unknown.

An alert's usual arguments (the letters, ``--config``, ``--flush``) are read here without argparse,
which only --help, a usage error or a rarer option needs (``usage``); both read them alike.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence, Tuple

# Letters of Icinga 2's stock mail-*-notification.sh that carry the alert.
ICINGA_LETTERS = {"t": "notification type (PROBLEM, RECOVERY, ...)", "l": "host name", "n": "host display name",
                  "e": "service name (omit for a host alert)", "u": "service display name", "s": "state",
                  "o": "plugin output", "r": "recipient phone number(s), comma-separated", "d": "date and time",
                  "b": "author (acknowledgement, downtime, custom)", "c": "comment"}
# The stock scripts' other letters (addresses, notes, sender, Icinga Web URL, syslog): accepted, not needed for an SMS.
IGNORED_LETTERS = ("4", "6", "f", "i", "v", "X", "x")
LETTER_OPTIONS = frozenset("-" + letter for letter in (*ICINGA_LETTERS, *IGNORED_LETTERS))
VALUE_OPTIONS = ("--config",)
# Options whose value may be left out.
OPTIONAL_VALUE_OPTIONS = ("--serve",)
FLAG_OPTIONS = ("--flush", "--dry-run", "--bulk", "-h", "--help")
SECRET_OPTIONS = ("--token", "--password", "--access-token", "--access_token", "--secret", "--api-token", "--api_token")
# Starts every option's value, so argparse takes any value, even '--' or '-1', as it is.
GLUE = "\x00"
CONFIG_GLUED = "--config=" + GLUE


def _is_option(argument: str) -> bool:
    """An option of ours as a word of its own (``-t``, ``--config``, ``--config=FILE``, ``--flush``)."""
    return (argument in LETTER_OPTIONS or argument in VALUE_OPTIONS or argument in OPTIONAL_VALUE_OPTIONS or argument in FLAG_OPTIONS
            or argument.startswith(("--config=", "--serve=")))


def sort_arguments(argv: Sequence[str]) -> Tuple[list, list]:
    """The arguments for the parser, each value glued to its option; and the arguments it does not know.

    Like the stock script's getopts, a letter takes the next word whatever it looks like: plugin
    output such as '-1' or '-nodata' is a value. An unknown option takes the next word as its value
    unless that is one of ours, so an unknown letter with its value is skipped as a whole and the
    alert still goes out.
    """
    known: list = []
    unknown: list = []
    arguments = list(argv)
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if argument in LETTER_OPTIONS or argument in VALUE_OPTIONS:
            known.append(argument + (GLUE if argument in LETTER_OPTIONS else "=" + GLUE) + (following or ""))
            index += 2
        elif argument.startswith(("--config=", "--serve=")):
            name, _equals, value = argument.partition("=")
            known.append(name + "=" + GLUE + value)
            index += 1
        elif argument in OPTIONAL_VALUE_OPTIONS:
            takes_value = following is not None and not following.startswith("-")
            known.append(argument + ("=" + GLUE + following if takes_value else ""))
            index += 2 if takes_value else 1
        elif argument[:2] in LETTER_OPTIONS and not argument.startswith("--"):
            known.append(argument[:2] + GLUE + argument[2:])  # attached, as getopts allows: -tPROBLEM
            index += 1
        elif argument in FLAG_OPTIONS:
            known.append(argument)
            index += 1
        elif argument.startswith("-") and len(argument) > 1 and "=" not in argument and following is not None and not _is_option(following):
            unknown.append([argument, following])
            index += 2
        else:
            unknown.append([argument])
            index += 1
    return _recipients_together(known), unknown


def _recipients_together(known: list) -> list:
    """``-r A -r B`` texts both: the numbers of every -r go into the first one's place."""
    pagers = [word for word in known if word[:3] == "-r" + GLUE]
    if len(pagers) < 2:
        return known
    together = "-r" + GLUE + ",".join(word[3:] for word in pagers if word[3:].strip())
    first = known.index(pagers[0])
    return known[:first] + [together] + [word for word in known[first + 1:] if word[:3] != "-r" + GLUE]


def ignored_arguments(unknown: Sequence[Sequence[str]]) -> list:
    """A warning per argument the notifier does not know; values are not repeated (they may be long or private)."""
    warnings = []
    for words in unknown:
        if words[0].startswith("-") and len(words[0]) > 1:
            name = words[0].split("=", 1)[0]
            warnings.append("unknown option {0} ignored{1}".format(name, " with the value after it" if len(words) > 1 else ""))
        else:
            warnings.append("a word that belongs to no option ignored")
    return warnings


def refuse_secrets(argv: Sequence[str]) -> Optional[str]:
    for argument in argv:
        if argument.split("=", 1)[0].lower().startswith(SECRET_OPTIONS):
            return ("{0}: secrets are never taken from the command line (every user sees it in ps); put token_id and token "
                    "into the settings file (chmod 600) or SIPGATE_TOKEN_ID / SIPGATE_TOKEN into the environment".format(argument.split("=", 1)[0]))
    return None


class Options:
    """What the command line asked for, named as the full parser names it (``icinga_t``, ``dry_run`` ...)."""

    def __init__(self, **values: object) -> None:
        self.config: Optional[str] = None
        self.flush = False
        self.dry_run = False
        self.bulk = False
        self.serve: Optional[str] = None
        for letter in ICINGA_LETTERS:
            setattr(self, "icinga_" + letter, None)
        for letter in IGNORED_LETTERS:
            setattr(self, "ignored_" + letter, None)
        self.__dict__.update(values)


def quick_options(argv: Sequence[str]) -> Optional[Options]:
    """The options of an alert that has only letters, ``--config`` and ``--flush``; None for anything else.

    The arguments are sorted as for the full parser, and each value read as it would read it.
    """
    known, unknown = sort_arguments(argv)
    if unknown:
        return None
    values: dict = {}
    for word in known:
        if word[:2] in LETTER_OPTIONS and word[2:3] == GLUE:
            letter = word[1]
            values[("icinga_" if letter in ICINGA_LETTERS else "ignored_") + letter] = word[3:]
        elif word.startswith(CONFIG_GLUED):
            values["config"] = word[len(CONFIG_GLUED):]
        elif word == "--flush":
            values["flush"] = True
        else:
            return None
    return Options(**values)
