# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An alert storm of concurrent notifier processes on one state directory: nothing torn, nothing lost, cost bounded."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from hardening_runs import ONCALL, icinga_args, journal_lines, notifier_command, notifier_env

pytestmark = pytest.mark.integration

DISTINCT = 80
REPEATS = 20
BUDGET = 5


def test_a_hundred_concurrent_runs_journal_every_alert_once_and_stay_within_budget(sipgate_sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    env = notifier_env(sipgate_sim.url, state_dir)
    runs = [icinga_args(service="svc{0:03d}".format(index), output="storm {0} ".format(index) * 10) for index in range(DISTINCT)]
    runs += [icinga_args(host="db1", service="MySQL", state="CRITICAL", output="same alert") for _repeat in range(REPEATS)]
    started = time.monotonic()
    processes = [subprocess.Popen(notifier_command(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for args in runs]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        outcomes.append((process.returncode, out, err))
    assert time.monotonic() - started < 45

    codes = Counter(code for code, _out, _err in outcomes)
    assert set(codes) <= {0, 1}, [(code, err) for code, _out, err in outcomes if code not in (0, 1)]

    lines = journal_lines(state_dir)
    entries = [json.loads(line) for line in lines]  # a torn line would not parse
    alert_entries = [entry for entry in entries if entry["event"] != "digest_sent"]
    assert len(alert_entries) == DISTINCT + REPEATS, Counter(entry["event"] for entry in entries)
    assert all(entry["recipient"] == ONCALL for entry in alert_entries)
    services = Counter(entry["service"] for entry in alert_entries)
    assert services["MySQL"] == REPEATS
    assert all(services["svc{0:03d}".format(index)] == 1 for index in range(DISTINCT)), services

    state = json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    assert isinstance(state, dict) and "MySQL" in json.dumps(state)

    sent = sipgate_sim.sent_sms()
    digests = [entry for entry in entries if entry["event"] == "digest_sent"]
    assert len(sent) <= BUDGET + len(digests), (len(sent), Counter(entry["event"] for entry in entries))
    assert len(sent) == sum(1 for entry in entries if entry["event"] in ("sent", "digest_sent")), "journal and deliveries disagree"
    repeats_sent = [sms for sms in sent if sms["message"].startswith("PROBLEM db1/MySQL")]
    assert len(repeats_sent) <= 1
    repeat_events = Counter(entry["event"] for entry in alert_entries if entry["service"] == "MySQL")
    # The identical repeat is decided once (sent or held for a digest), every other copy is deduplicated.
    assert repeat_events["deduplicated"] == REPEATS - 1, repeat_events
    # Nothing was lost: every alert not sent is held for a digest (or spooled for a retry on exit 1).
    held_or_spooled = sum(1 for entry in alert_entries if entry["event"] in ("held", "spooled"))
    assert held_or_spooled + sum(1 for entry in alert_entries if entry["event"] == "sent") + REPEATS - 1 == DISTINCT + REPEATS
    assert codes[1] == sum(1 for entry in alert_entries if entry["event"] == "spooled")
