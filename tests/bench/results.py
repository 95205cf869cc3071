# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One benchmark row (value, target, met or missed) and how the rows are printed and saved."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional

MET = "pass"
MISSED = "MISS"
REPORTED = "-"
FAILED = "ERROR"


@dataclass
class Row:
    """One line of the table. ``met`` is None for figures reported without a target."""

    name: str
    value: Optional[float]
    shown: str
    target: str = ""
    met: Optional[bool] = None
    detail: str = ""
    figures: dict = field(default_factory=dict)
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error:
            return FAILED
        if self.met is None:
            return REPORTED
        return MET if self.met else MISSED


def ratio_row(name: str, ours: float, theirs: float, target: str, met_when: str, limit: float, detail: str = "",
              figures: Optional[dict] = None) -> Row:
    """A row for ``ours / theirs``, met when the ratio is at most (``"<="``) or at least (``">="``) ``limit``."""
    ratio = ours / theirs if theirs else float("inf")
    shown = round(ratio, 2)  # judged as shown: a printed 1.00x must not read as a miss of <= 1.0x
    met = shown <= limit if met_when == "<=" else shown >= limit
    return Row(name, ratio, "{0:.2f}x".format(ratio), target, met, detail, dict(figures or {}))


def failed_row(name: str, target: str, error: BaseException) -> Row:
    return Row(name, None, "-", target, None, "", {}, "{0}: {1}".format(type(error).__name__, error))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Iterable[Row]) -> str:
    lines = ["| # | measurement | value | target | result | details |", "|---|---|---|---|---|---|"]
    for number, row in enumerate(rows, 1):
        detail = row.error or row.detail
        lines.append("| {0} | {1} | {2} | {3} | {4} | {5} |".format(number, _cell(row.name), _cell(row.shown), _cell(row.target or "reported"),
                                                                    row.verdict, _cell(detail)))
    return "\n".join(lines)


def write_json(path: Path, rows: Iterable[Row], context: dict) -> None:
    document = dict(context, rows=[dict(asdict(row), verdict=row.verdict) for row in rows])
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
