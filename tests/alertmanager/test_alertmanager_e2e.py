# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian's Alertmanager posting to the real receiver, and the SMS at the simulator.

One Alertmanager and one receiver for the module: each test routes its alerts (label ``case``) to
its own webhook receiver with its own phone number, so budgets and deduplication never mix. The
receiver listens beyond loopback, so every webhook carries the bearer token (Alertmanager's
``http_config.authorization``), and the URL carries the number with its ``+`` as people write it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from alertmanager_daemon import Alertmanager, alert
from engines.waiting import wait_until
from receiver_process import BEARER_TOKEN, ReceiverProcess

pytestmark = pytest.mark.e2e

BUDGET = 5
BUDGET_WINDOW = 8
NUMBERS = {"grouped": "+4915799912301", "repeat": "+4915799912302", "storm": "+4915799912303", "outage": "+4915799912304"}
# Per route: the repeat case resends every two seconds, the others only when the group changes. A group
# waits long enough for all alerts posted together to arrive, even on a busy machine.
REPEAT_INTERVALS = {"grouped": "1h", "repeat": "2s", "storm": "1h", "outage": "1h"}
GROUP_WAITS = {"grouped": "2s", "repeat": "1s", "storm": "2s", "outage": "1s"}

CONFIG = """\
route:
  receiver: nowhere
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
{routes}
receivers:
  - name: nowhere
{receivers}
"""
ROUTE = """\
    - matchers: ['case="{case}"']
      receiver: {case}
      group_wait: {wait}
      repeat_interval: {repeat}
"""
RECEIVER = """\
  - name: {case}
    webhook_configs:
      - url: http://127.0.0.1:{port}/alertmanager?to={number}
        http_config:
          authorization:
            credentials_file: {token_file}
"""


@dataclass
class Setup:
    alertmanager: Alertmanager
    receiver: ReceiverProcess


def configuration(port: int, token_file: Path) -> str:
    return CONFIG.format(
        routes="".join(ROUTE.format(case=case, wait=GROUP_WAITS[case], repeat=REPEAT_INTERVALS[case]) for case in NUMBERS),
        receivers="".join(RECEIVER.format(case=case, port=port, number=number, token_file=token_file) for case, number in NUMBERS.items()))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, sipgate_simulator_server) -> Iterator[Setup]:  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("alertmanager-e2e")
    receiver = ReceiverProcess(workdir / "receiver", sipgate_simulator_server.url, host="0.0.0.0",
                               notify={"budget": BUDGET, "budget_window": BUDGET_WINDOW}, serve={"bearer_token": BEARER_TOKEN})
    token_file = workdir / "webhook.token"
    token_file.write_text(BEARER_TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    alertmanager = Alertmanager(workdir, configuration(receiver.port, token_file))
    try:
        receiver.start()
        alertmanager.start()
        yield Setup(alertmanager, receiver)
    finally:
        alertmanager.stop()
        receiver.stop()
    assert receiver.daemon is not None and receiver.daemon.popen.returncode == 0, receiver.output()
    assert not receiver.daemon.remaining() and not alertmanager.daemon.remaining()


def texts_to(sim, number: str) -> list:  # type: ignore[no-untyped-def]
    return [sms["message"] for sms in sim.sent_sms() if sms["recipient"] == number]


def digested(journal: list, number: str) -> list:
    """The number's journal once a digest went out and every alert held so far is in one; else empty."""
    mine = [record for record in journal if record["recipient"] == number]
    held = sum(1 for record in mine if record["event"] == "held")
    in_digests = sum(record["alerts_total"] for record in mine if record["event"] == "digest_sent")
    return mine if held and in_digests == held else []


def test_a_group_is_texted_once_firing_and_once_resolved(setup: Setup, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    number = NUMBERS["grouped"]
    alerts = [{"alertname": "HighLatency", "case": "grouped", "instance": "web0{0}".format(index)} for index in (1, 2, 3)]
    setup.alertmanager.post_alerts([alert(labels, "p99 latency above 1 s") for labels in alerts])
    firing = wait_until(lambda: texts_to(sipgate_sim, number), 20, "the FIRING SMS", details=setup.receiver.output)
    assert len(firing) == 1 and firing[0].startswith("FIRING 3 HighLatency web0"), firing
    assert firing[0].endswith(",+1: p99 latency above 1 s"), firing

    setup.alertmanager.post_alerts([alert(labels, "p99 latency above 1 s", resolved=True) for labels in alerts])
    both = wait_until(lambda: texts_to(sipgate_sim, number)[1:] and texts_to(sipgate_sim, number), 20, "the RESOLVED SMS",
                      details=setup.receiver.output)
    assert len(both) == 2 and both[1].startswith("RESOLVED 3 HighLatency web0"), both


def test_repeat_interval_resends_are_deduplicated(setup: Setup, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    number = NUMBERS["repeat"]
    setup.alertmanager.post_alerts([alert({"alertname": "DiskFull", "case": "repeat", "instance": "db1"}, "disk 97 % full")])
    wait_until(lambda: texts_to(sipgate_sim, number), 20, "the first SMS", details=setup.receiver.output)
    # Alertmanager resends the unchanged group every repeat_interval (2 s): each one is journaled as deduplicated.
    wait_until(lambda: [record for record in setup.receiver.journal() if record["recipient"] == number
                        and record["event"] == "deduplicated"][1:], 20, "two resends", details=setup.receiver.output)
    assert texts_to(sipgate_sim, number) == ["FIRING 1 DiskFull db1: disk 97 % full"]


def test_a_storm_is_held_to_the_budget_with_a_digest(setup: Setup, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    number = NUMBERS["storm"]
    storm = [alert({"alertname": "Storm{0:02d}".format(group), "case": "storm", "instance": "node{0:02d}".format(node)}, "overloaded")
             for group in range(20) for node in range(10)]
    setup.alertmanager.post_alerts(storm)
    # Five groups are texted within the budget, the others held; once the budget window has passed, a digest names them.
    journal = wait_until(lambda: digested(setup.receiver.journal(), number), 40, "every held alert in a digest",
                         details=setup.receiver.output)
    first_fates = Counter({record["identity"]: record["event"] for record in reversed(journal) if "identity" in record}.values())
    digests = [record for record in journal if record["event"] == "digest_sent"]
    texts = texts_to(sipgate_sim, number)
    group_texts = [text for text in texts if " held: " not in text]
    assert sum(first_fates.values()) == 200 and set(first_fates) == {"sent", "held"}, first_fates
    assert len(group_texts) == BUDGET and len(texts) == BUDGET + len(digests), texts
    # Usually one digest; a group Alertmanager split on a busy machine may add a later one.
    assert first_fates["sent"] <= 50 and 1 <= len(digests) <= 2, (first_fates, texts)
    assert sum(int(text.split(" held: ")[0]) for text in texts if " held: " in text) == first_fates["held"], texts


def test_a_sipgate_outage_ends_in_exactly_one_delivery(setup: Setup, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    number = NUMBERS["outage"]
    sipgate_sim.add_fault(status=503, count=6, path="/sessions/sms")
    setup.alertmanager.post_alerts([alert({"alertname": "BackupFailed", "case": "outage", "instance": "nas1"}, "no backup for 2 days")])
    wait_until(lambda: texts_to(sipgate_sim, number), 30, "the SMS after the outage", details=setup.receiver.output)
    assert not sipgate_sim.pending_faults()
    # The outcome is journaled once the API has answered, a moment after the simulator counted the SMS.
    mine = wait_until(lambda: [record for record in setup.receiver.journal() if record["recipient"] == number
                               and record["event"] == "sent"] and setup.receiver.journal(), 10, "the journaled delivery",
                      details=setup.receiver.output)
    events = [record["event"] for record in mine if record["recipient"] == number]
    assert events[0] == "spooled" and events[-1] == "sent" and events.count("sent") == 1, events
    assert texts_to(sipgate_sim, number) == ["FIRING 1 BackupFailed nas1: no backup for 2 days"]


def test_beyond_loopback_a_call_without_the_token_is_refused(setup: Setup, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    payload = {"version": "4", "receiver": "grouped", "status": "firing",
               "alerts": [{"status": "firing", "labels": {"alertname": "Intruder", "instance": "x"}, "annotations": {}}]}
    before = len(setup.receiver.journal())
    for token in (None, "wrong-token-of-some-length", BEARER_TOKEN + "x"):
        answer = setup.receiver.post(payload, query="to=" + NUMBERS["grouped"], token=token)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer"), answer.text
        assert BEARER_TOKEN not in answer.text
    assert len(setup.receiver.journal()) == before and sipgate_sim.sent_sms() == []
    assert BEARER_TOKEN not in setup.receiver.output()
