# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a usable state.json holds, checked part by part before any run relies on it.

``usable(data)`` keeps every entry that has the shape the policy and the spool expect and
names each one it drops; the caller sets the file aside when anything was dropped. Keeping the
good entries keeps spooled SMS and held alerts alive when one entry next to them is broken.
Parts a file of an older version lacks are simply empty; keys it does not know are kept.
"""

from __future__ import annotations

import math

from .policy import empty_state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Tuple

# How many dropped entries are named one by one; the rest are counted.
NAMED_PROBLEMS = 5
# Journal fields a spooled SMS's ``about`` must not override when it is journaled.
RECORD_FIELDS = ("at", "time", "event", "recipient", "reason")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _missing_or_wrong(entry: Any, fields: Dict[str, Callable[[Any], bool]], optional: Dict[str, Callable[[Any], bool]]) -> str:
    """'' when ``entry`` is an object with every field of the right type, else what is wrong."""
    if not isinstance(entry, dict):
        return "is {0}, not an object".format(_json_type(entry))
    for name, check in fields.items():
        if name not in entry:
            return "lacks {0!r}".format(name)
        if not check(entry[name]):
            return "has a bad {0!r}".format(name)
    for name, check in optional.items():
        if name in entry and not check(entry[name]):
            return "has a bad {0!r}".format(name)
    return ""


def subject_problem(entry: Any) -> str:
    return _missing_or_wrong(entry, {"fingerprint": _is_text, "at": is_number}, {"texted_problem": lambda value: isinstance(value, bool)})


def sends_problem(entry: Any) -> str:
    if not isinstance(entry, list) or not all(is_number(moment) for moment in entry):
        return "is not a list of times"
    return ""


def held_problem(entry: Any) -> str:
    if not isinstance(entry, list):
        return "is {0}, not a list".format(_json_type(entry))
    for index, held in enumerate(entry):
        problem = _missing_or_wrong(held, {"key": _is_text, "subject": _is_text, "type": _is_text, "alerts": _is_count,
                                           "first": is_number,
                                           "states": lambda states: isinstance(states, list) and all(map(_is_text, states))}, {})
        if problem:
            return "entry {0} {1}".format(index, problem)
    return ""


def _about_problem(about: Any) -> bool:
    if not isinstance(about, dict) or any(name in about for name in RECORD_FIELDS):
        return True
    texts = ("type", "host", "service", "state", "source")
    return any(name in about and not _is_text(about[name]) for name in texts)


def outbox_problem(item: Any) -> str:
    problem = _missing_or_wrong(item, {"id": lambda value: _is_text(value) and bool(value), "recipient": _is_text, "text": _is_text,
                                       "created": is_number, "attempts": _is_count, "claimed_at": is_number,
                                       "claimed_by": lambda value: value is None or _is_text(value)},
                                {"last_error": _is_text, "uncertain": _is_count, "not_before": is_number,
                                 "quarantined_at": is_number, "claimed_boot": _is_text, "claimed_uptime": is_number,
                                 "claimed_clock_of": _is_text})
    if problem:
        return problem
    return "has a bad 'about'" if "about" not in item or _about_problem(item["about"]) else ""


def _is_e164(value: Any) -> bool:
    return isinstance(value, str) and value[:1] == "+" and value[1:].isascii() and value[1:].isdigit() and 2 <= len(value) - 1 <= 15


def numbers_problem(entry: Any) -> str:
    """The spellings read in one region: spelling -> its number in E.164 and when it was last used."""
    if not isinstance(entry, dict):
        return "is {0}, not an object".format(_json_type(entry))
    for spelling, number in entry.items():
        problem = _missing_or_wrong(number, {"number": _is_e164, "used": is_number}, {})
        if problem:
            return "spelling {0!r} {1}".format(spelling, problem)
    return ""


# Part -> (check of one entry, container type). Objects are keyed by subject, recipient or region.
PARTS: Dict[str, Tuple[Callable[[Any], str], type]] = {
    "subjects": (subject_problem, dict),
    "sends": (sends_problem, dict),
    "held": (held_problem, dict),
    "outbox": (outbox_problem, list),
    "quarantine": (outbox_problem, list),
    "numbers": (numbers_problem, dict),
}


def _entries(value: Any) -> list:
    return list(value.items()) if isinstance(value, dict) else list(enumerate(value))


def _keep(part: str, value: Any, problems: List[str]) -> Any:
    check, container = PARTS[part]
    if not isinstance(value, container):
        problems.append("{0} is {1}, not {2}".format(part, _json_type(value), "an object" if container is dict else "a list"))
        return container()
    kept: Any = container()
    for key, entry in _entries(value):
        problem = check(entry)
        if problem:
            problems.append("{0} {1} {2}".format(part, "item {0}".format(key) if container is list else repr(key), problem))
        elif container is list:
            kept.append(entry)
        else:
            kept[key] = entry
    return kept


def _summarised(problems: List[str]) -> List[str]:
    if len(problems) <= NAMED_PROBLEMS:
        return problems
    return problems[:NAMED_PROBLEMS] + ["{0} more".format(len(problems) - NAMED_PROBLEMS)]


def usable(data: Any) -> Tuple[dict, List[str]]:
    """The state's usable entries, and what was dropped (empty when the file is sound)."""
    if not isinstance(data, dict):
        return empty_state(), ["it holds {0}, not an object".format(_json_type(data))]
    problems: List[str] = []
    state = dict(data)
    if "version" in data and not _is_count(data["version"]):
        problems.append("version is not a number")
        state["version"] = empty_state()["version"]
    for part in PARTS:
        if part in data:
            state[part] = _keep(part, data[part], problems)
    problems = _summarised(problems)
    kept_outbox = len(state.get("outbox", []))
    if problems and kept_outbox:
        problems.append("{0} spooled SMS kept".format(kept_outbox))
    return state, problems


# Moments this far past "now" were written by a clock that ran ahead and has been set back since.
CLOCK_SLACK = 5.0


def rewind_future(state: dict, now: float, hold_off: float) -> int:
    """Moments from the future count from ``now`` instead; returns how many moved.

    Left as they are, a dedup or budget window would last as long as the clock was off (a day
    fast: alerts held for a day). Moved to now, each window lasts its own length at most. An
    outbox item may wait until ``not_before`` legitimately, but never longer than ``hold_off``.
    """
    latest = now + CLOCK_SLACK
    moved = 0

    def rewound(moment: float, limit: float = latest, to: float = now) -> float:
        nonlocal moved
        if moment > limit:
            moved += 1
            return to
        return moment

    for seen in state["subjects"].values():
        seen["at"] = rewound(seen["at"])
    for recipient, moments in state["sends"].items():
        state["sends"][recipient] = [rewound(moment) for moment in moments]
    for entries in state["held"].values():
        for entry in entries:
            entry["first"] = rewound(entry["first"])
    for item in state["outbox"] + state["quarantine"]:
        for field in ("created", "claimed_at", "quarantined_at"):
            if field in item:
                item[field] = rewound(item[field])
        if "not_before" in item:
            item["not_before"] = rewound(item["not_before"], now + hold_off, now + hold_off)
    for spellings in state["numbers"].values():
        for number in spellings.values():
            number["used"] = rewound(number["used"])
    return moved
