# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMS text of an alert and of a digest, fitted to the segment budget.

When a text is too long, the plugin output is cut, never the head: whoever reads the SMS must
still see which host, which service and which state.
"""

from __future__ import annotations

from sipgate_api.encoding import measure  # pylint: disable=import-error
from sipgate_api.fitting import ELLIPSIS, at_word_boundary, fit, fold_whitespace, to_gsm7  # pylint: disable=import-error

from .alert import PROBLEM, RECOVERY, Alert
from .template import DEFAULT_TEMPLATE, TemplateError, check_template, formatted, template_fields

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Mapping, Sequence

# The template's names are here too, beside the text they make.
__all__ = ["DEFAULT_TEMPLATE", "TemplateError", "bulk", "check_template", "digest", "digest_item", "fill", "fill_fitted", "fits",
           "plain", "render", "worst_first"]


def plain(text: str) -> str:
    """One line of GSM-7: white space folded, typographic characters replaced."""
    return to_gsm7(fold_whitespace(text))


def fits(text: str, max_segments: int) -> bool:
    return measure(text).segments <= max_segments


def fill(template: str, fields: Mapping[str, str], cut: str = "output") -> str:
    """``template`` filled from ``fields`` as one line of GSM-7, whatever its length."""
    text = plain(formatted(template, fields))
    # A text without the part that is cut (plugin output, summary) would end in a dangling colon.
    return text.rstrip(" :") if not fields.get(cut) else text


def _longest_fitting_prefix(text: str, render: Callable[[str], str], max_segments: int) -> int:
    low, high, best = 0, len(text), -1
    while low <= high:
        middle = (low + high) // 2
        if fits(render(text[:middle] + ELLIPSIS), max_segments):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def _shrink_until_it_fits(text: str, max_segments: int) -> str:
    text = fit(text, max_segments)
    while not fits(text, max_segments):
        # An escape pair on a part boundary can cost one more part than the helper counted.
        text = text[:-len(ELLIPSIS) - 1].rstrip() + ELLIPSIS
    return text


def fill_fitted(template: str, fields: Mapping[str, str], cut: str, max_segments: int = 1) -> str:
    """``template`` filled from ``fields`` in at most ``max_segments`` GSM-7 segments, the field ``cut`` cut first."""
    text = fill(template, fields, cut)
    if fits(text, max_segments):
        return text
    value = plain(fields[cut])

    def with_value(cut_value: str) -> str:
        return fill(template, dict(fields, **{cut: cut_value}), cut)

    keep = _longest_fitting_prefix(value, with_value, max_segments)
    if keep < 0:
        # Even the head alone is too long (a very long host or service name): the helper cuts it.
        return _shrink_until_it_fits(with_value(""), max_segments)
    return with_value(at_word_boundary(value[:keep]) + ELLIPSIS)


def render(template: str, alert: Alert, max_segments: int = 1) -> str:
    """The alert's SMS text: at most ``max_segments`` GSM-7 segments, the output cut first."""
    return fill_fitted(template, template_fields(alert), "output", max_segments)


def digest_item(subject: str, states: Iterable[str], notification_type: str) -> str:
    """``web01/HTTP CRITICAL``, ``web01/HTTP CRITICAL->OK`` or ``db1 ACKNOWLEDGEMENT``."""
    trail = [state for state in states if state]
    label = "->".join(trail) if notification_type in ("PROBLEM", "RECOVERY") and trail else notification_type
    return plain("{0} {1}".format(subject, label))


def digest(total: int, items: list, max_segments: int = 1, label: str = "held") -> str:
    """``3 held: web01/HTTP CRITICAL, db1 DOWN, …``: named while they fit, the rest counted."""
    head = "{0} {1}: ".format(total, label)
    named: list = []
    for index, item in enumerate(items):
        rest = len(items) - index - 1
        candidate = named + [item]
        text = head + ", ".join(candidate) + (", +{0} more".format(rest) if rest else "")
        if not fits(text, max_segments):
            break
        named = candidate
    rest = len(items) - len(named)
    if not named:
        return _shrink_until_it_fits("{0} {1}, {2} hosts/services: see journal.jsonl".format(total, label, len(items)), max_segments)
    return head + ", ".join(named) + (", +{0} more".format(rest) if rest else "")


# Worst first: hard problems, softer ones, then everything else; recoveries last.
_STATE_RANK = {"CRITICAL": 0, "DOWN": 0, "UNREACHABLE": 1, "UNKNOWN": 2, "WARNING": 3}
_CATEGORY_RANK = {PROBLEM: 0, RECOVERY: 2}


def worst_first(alerts: Sequence[Alert]) -> list:
    """The alerts ordered by how urgent they are; equally urgent ones keep their order."""
    return sorted(alerts, key=lambda alert: (_CATEGORY_RANK.get(alert.category, 1), _STATE_RANK.get(alert.state, 4)))


def bulk(template: str, alerts: Sequence[Alert], max_segments: int = 1) -> str:
    """One SMS for a bulk: ``3 alerts: web01/HTTP CRITICAL, db1 DOWN, +1 more``; a bulk of one is a normal alert."""
    if len(alerts) == 1:
        return render(template, alerts[0], max_segments)
    items = [digest_item(alert.display_subject, [alert.state], alert.notification_type) for alert in worst_first(alerts)]
    return digest(len(alerts), items, max_segments, label="alerts")
