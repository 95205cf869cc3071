# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Row 5: an alert storm of 1,000 alerts in 60 simulated seconds to 3 recipients (see storm_driver.py).

What it shows: every alert and recipient is journaled, what the budget held back goes out in a
digest (nothing is lost), the bill stays bounded, and the memory a notifier process needs.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

from bench.results import Row
from bench.timing import run_child

DRIVER = Path(__file__).resolve().parent / "storm_driver.py"
ALERT_FATES = ("sent", "deduplicated", "held", "spooled", "failed")


@dataclass(frozen=True)
class StormOutcome:
    alerts: int
    recipients: int
    journaled: int
    fates: dict
    held_in_digests: int
    digests: int
    sms: int
    segments: int
    peak_rss_kib: int
    wall_seconds: float
    summary: dict


def read_journal(state_dir: Path) -> List[dict]:
    with (state_dir / "journal.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def run_storm(api_url: str, token_id: str, token: str, sms_id: str, workdir: Path, sent_sms: Callable[[], list],
              alerts: int = 1000, seconds: float = 60.0, recipients: int = 3) -> StormOutcome:
    state_dir = workdir / "storm-state"
    state_dir.mkdir(parents=True, exist_ok=True)
    before = len(sent_sms())
    child = run_child([sys.executable, str(DRIVER), "--api-url", api_url, "--token-id", token_id, "--sms-id", sms_id,
                       "--state-dir", str(state_dir), "--alerts", str(alerts), "--seconds", str(seconds),
                       "--recipients", str(recipients)], stdin_text=token + "\n", timeout=240)
    summary = json.loads(child.stdout.strip().splitlines()[-1])
    journal = read_journal(state_dir)
    per_alert = [entry for entry in journal if entry["event"] in ALERT_FATES and entry.get("host")]
    fates = {fate: sum(1 for entry in per_alert if entry["event"] == fate) for fate in ALERT_FATES}
    digests = [entry for entry in journal if entry["event"] == "digest_sent"]
    sms = sent_sms()[before:]
    return StormOutcome(alerts, recipients, len(per_alert), fates, sum(entry.get("alerts_total", 0) for entry in digests), len(digests),
                        len(sms), sum(item.get("segments", 1) for item in sms), child.max_rss_kib, child.seconds, summary)


def storm_rows(outcome: StormOutcome, single_run_rss_kib: Optional[int] = None) -> List[Row]:
    expected = outcome.alerts * outcome.recipients
    nothing_lost = outcome.journaled == expected and outcome.held_in_digests == outcome.fates["held"]
    fates = ", ".join("{0} {1}".format(count, fate) for fate, count in outcome.fates.items() if count)
    figures = {"alerts": outcome.alerts, "recipients": outcome.recipients, "journaled": outcome.journaled, "fates": outcome.fates,
               "digests": outcome.digests, "held_in_digests": outcome.held_in_digests, "sms": outcome.sms,
               "segments": outcome.segments, "peak_rss_kib": outcome.peak_rss_kib, "wall_seconds": outcome.wall_seconds,
               "driver": outcome.summary}
    single = "; one delivered alert alone: {0:.0f} MiB".format(single_run_rss_kib / 1024.0) if single_run_rss_kib else ""
    return [
        Row("alert storm ({0:,} alerts / 60 s, {1} recipients): alerts journaled".format(outcome.alerts, outcome.recipients),
            outcome.journaled / expected, "{0:,} / {1:,}".format(outcome.journaled, expected),
            "all {0:,}, held ones in digests".format(expected), nothing_lost,
            "{0}; {1} held alerts named or counted in {2} digests".format(fates, outcome.held_in_digests, outcome.digests), figures),
        Row("alert storm: SMS sent (segments)", outcome.sms, "{0} SMS ({1} segments)".format(outcome.sms, outcome.segments),
            "", None, "{0:.1f} SMS per recipient for {1:,} alerts, digests included".format(outcome.sms / outcome.recipients, outcome.alerts),
            figures),
        Row("alert storm: peak memory of the notifier process", outcome.peak_rss_kib / 1024.0,
            "{0:.0f} MiB".format(outcome.peak_rss_kib / 1024.0), "", None,
            "max RSS (wait4) of the process that ran all {0:,} alerts in {1:.1f} s{2}".format(outcome.alerts, outcome.wall_seconds, single),
            figures),
    ]
