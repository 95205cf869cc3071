# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real script in subprocesses against the sipgate API simulator: retries, spool, flush, storms, concurrency."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest
from notifier_script import SCRIPT, ScriptRunner, icinga_args  # pylint: disable=import-error
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error

ALICE = "+4915799912345"


@pytest.fixture
def notify(sipgate_sim, script_factory: Callable[..., ScriptRunner]) -> ScriptRunner:  # type: ignore[no-untyped-def]
    return script_factory(SIPGATE_TOKEN_ID=TOKEN_ID, SIPGATE_TOKEN=TOKEN, SIPGATE_SMS_ID=SMS_ID, SIPGATE_API_URL=sipgate_sim.url)


def assert_no_secret(runner: ScriptRunner, *outputs: str) -> None:
    for text in outputs:
        assert TOKEN not in text
    for path in runner.state_dir.iterdir():
        assert TOKEN not in path.read_text(encoding="utf-8"), path


def events(runner: ScriptRunner) -> list:
    return [entry["event"] for entry in runner.journal()]


def write_settings(folder: Path, name: str, **notify_settings: object) -> str:
    path = folder / name
    path.write_text("[notify]\n" + "".join("{0} = {1}\n".format(key, value) for key, value in notify_settings.items()), encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_503s_then_success_send_exactly_one_sms(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(status=503, count=2)
    done = notify(icinga_args())
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: Connection refused"]
    assert events(notify) == ["sent"]
    assert "PROBLEM web01/HTTP CRITICAL -> +4915799912345: sent" in done.stderr
    assert_no_secret(notify, done.stdout, done.stderr)


def test_api_down_spools_and_flush_delivers_exactly_once(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(status=503, count=100)
    started = time.monotonic()
    done = notify(icinga_args())
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 30
    assert sipgate_sim.sent_sms() == [] and events(notify) == ["spooled"]
    assert "503" in notify.journal()[0]["reason"] and len(notify.state()["outbox"]) == 1
    sipgate_sim.reset()
    flushed = [notify(["--flush"]) for _attempt in range(3)]
    assert [run.returncode for run in flushed] == [0, 0, 0]
    assert len(sipgate_sim.sent_sms()) == 1 and notify.state()["outbox"] == []
    assert events(notify) == ["spooled", "sent"]
    assert_no_secret(notify, done.stderr, *(run.stderr for run in flushed))


def test_closed_port_spools_quickly(notify: ScriptRunner) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    done = notify(icinga_args(), env={"SIPGATE_API_URL": "http://127.0.0.1:{0}/v2".format(closed_port)})
    assert done.returncode == 1 and events(notify) == ["spooled"]
    assert notify.journal()[0]["delivery"] == "not_delivered"


def test_connection_dropped_after_the_request_prefers_a_duplicate(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    no_hold_off = notify.config(unknown_hold_off="0")
    done = notify(icinga_args() + no_hold_off)
    assert done.returncode == 1 and notify.journal()[0]["delivery"] == "unknown"
    assert len(sipgate_sim.sent_sms()) == 1  # it did go out, but nobody could know
    assert notify(["--flush"] + no_hold_off).returncode == 0
    assert notify(["--flush"] + no_hold_off).returncode == 0
    texts = [sms["message"] for sms in sipgate_sim.sent_sms()]
    assert len(texts) == 2 and texts[0] == texts[1]
    assert [entry["event"] for entry in notify.journal()] == ["delivery_unknown", "sent"]


def test_answer_slower_than_the_timeout_is_unknown_and_spooled(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(delay=8, path="/sessions/sms")
    done, seconds = timed(notify, icinga_args())
    assert done.returncode == 1 and seconds < 15
    [entry] = notify.journal()
    assert (entry["event"], entry["delivery"]) == ("delivery_unknown", "unknown") and "delivery unknown" in entry["reason"]


def test_50_concurrent_identical_alerts_send_one_sms_and_journal_all(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=50) as pool:
        runs = list(pool.map(lambda _number: timed(notify, icinga_args()), range(50)))
    assert all(run.returncode == 0 for run, _seconds in runs), [run.stderr for run, _seconds in runs if run.returncode]
    assert max(seconds for _run, seconds in runs) < 15
    assert len(sipgate_sim.sent_sms()) == 1
    assert sorted(events(notify)) == ["deduplicated"] * 49 + ["sent"]
    assert notify.state()["outbox"] == []


def test_50_concurrent_alerts_to_50_recipients_each_arrive_once(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    recipients = ["+49157999{0:05d}".format(number) for number in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        runs = list(pool.map(lambda number: timed(notify, icinga_args(recipient=number)), recipients))
    assert all(run.returncode == 0 for run, _seconds in runs)
    assert max(seconds for _run, seconds in runs) < 25  # well within the engines' 30 s, even all sending at once
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == recipients
    assert len(notify.journal()) == 50 and set(notify.state()["sends"]) == set(recipients)


def timed(runner: ScriptRunner, args: list) -> tuple:
    started = time.monotonic()
    done = runner(args)
    return done, time.monotonic() - started


def test_storm_of_200_alerts_costs_the_budget_plus_one_digest(notify: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    storm_settings = write_settings(tmp_path, "storm.ini", budget=5, budget_window=600)
    with ThreadPoolExecutor(max_workers=25) as pool:
        runs = list(pool.map(lambda number: notify(["--config", storm_settings] + icinga_args(host="web{0:03d}".format(number))), range(200)))
    assert all(run.returncode == 0 for run in runs)
    assert len(sipgate_sim.sent_sms()) == 5
    assert sorted(events(notify)) == ["held"] * 195 + ["sent"] * 5
    # Later, with the budget window over (here: a shorter window), a flush sends the digest.
    assert notify(["--flush", "--config", write_settings(tmp_path, "later.ini", budget=5, budget_window=1)]).returncode == 0
    digest = sipgate_sim.sent_sms()[-1]["message"]
    assert len(sipgate_sim.sent_sms()) == 6 and digest.startswith("195 held: web") and digest.endswith(" more")
    [record] = [entry for entry in notify.journal() if entry["event"] == "digest_sent"]
    named = {alert["subject"] for alert in record["alerts"]}
    texted = {entry["host"] + "/HTTP" for entry in notify.journal() if entry["event"] == "sent"}
    assert record["alerts_total"] == 195 and named | texted == {"web{0:03d}/HTTP".format(number) for number in range(200)}
    assert_no_secret(notify, *(run.stderr for run in runs))


def test_deciding_without_sending_does_not_import_requests(notify: ScriptRunner) -> None:
    assert notify(icinga_args()).returncode == 0

    def imports(args: list) -> str:
        done = subprocess.run([sys.executable, "-X", "importtime", str(SCRIPT), *args], env=notify.environment(), capture_output=True,
                              text=True, check=False)
        return done.stderr

    assert " requests" not in imports(icinga_args())  # a repeat: deduplicated
    assert " requests" in imports(icinga_args(host="web02"))  # positive control: a send imports it
    assert events(notify) == ["sent", "deduplicated", "sent"]


def test_journal_lines_are_json_with_what_happened(notify: ScriptRunner) -> None:
    notify(icinga_args())
    notify(icinga_args())
    lines = (notify.state_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert {"at", "time", "event", "recipient", "host", "service", "state", "type"} <= set(first)
    assert (first["event"], second["event"]) == ("sent", "deduplicated")


def test_nagios_environment_macros_become_the_sms(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    macros = {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTNAME": "db1", "NAGIOS_HOSTSTATE": "DOWN",
              "NAGIOS_HOSTOUTPUT": "CRITICAL - Host Unreachable | rta=0", "NAGIOS_CONTACTPAGER": "+4915799912345,+4915799912346"}
    assert notify(env=macros).returncode == 0
    assert sorted((sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()) == [
        ("+4915799912345", "PROBLEM db1 DOWN: CRITICAL - Host Unreachable | rta=0"),
        ("+4915799912346", "PROBLEM db1 DOWN: CRITICAL - Host Unreachable | rta=0")]


def test_checkmk_context_becomes_the_sms(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    context = {"NOTIFY_WHAT": "SERVICE", "NOTIFY_NOTIFICATIONTYPE": "ACKNOWLEDGEMENT", "NOTIFY_HOSTNAME": "db1",
               "NOTIFY_SERVICEDESC": "MySQL", "NOTIFY_SERVICESTATE": "CRITICAL", "NOTIFY_SERVICEOUTPUT": "down",
               "NOTIFY_NOTIFICATIONAUTHOR": "bob", "NOTIFY_NOTIFICATIONCOMMENT": "restarting", "NOTIFY_CONTACTPAGER": "+4915799912345"}
    assert notify(env=context).returncode == 0
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["ACKNOWLEDGEMENT db1/MySQL CRITICAL (bob: restarting): down"]


def test_dry_run_prints_text_encoding_and_segments_and_leaves_no_trace(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notify(["--dry-run"] + icinga_args(output="Antwort \u201elangsam\u201c"))
    assert done.returncode == 0
    assert done.stdout.strip() == '+4915799912345 [alert, gsm7, 1 segment(s), 46 units]: PROBLEM web01/HTTP CRITICAL: Antwort "langsam"'
    assert sipgate_sim.requests() == [] and list(notify.state_dir.iterdir()) == []


def test_an_unknown_option_never_loses_the_alert(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notify(icinga_args() + ["-x", "service notes", "-X", "host notes", "-Q", "something new", "--colour"])
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: Connection refused"]
    assert "warning: unknown option -Q ignored with the value after it" in done.stderr
    assert "warning: unknown option --colour ignored" in done.stderr
    [entry] = notify.journal()
    assert entry["event"] == "sent" and entry["warnings"] == ["unknown option -Q ignored with the value after it",
                                                              "unknown option --colour ignored"]


def test_display_names_are_what_the_sms_shows(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    assert notify(icinga_args() + ["-n", "Web shop", "-u", "Checkout"]).returncode == 0
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM Web shop/Checkout CRITICAL: Connection refused"]


def test_stock_e_mail_recipient_falls_back_to_the_settings_recipients(
        notify: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = write_settings(tmp_path, "notify.ini", recipients="+4915799912346")
    done = notify(["--config", settings] + icinga_args(recipient="oncall@example.org"))
    assert done.returncode == 0, done.stderr
    assert [sms["recipient"] for sms in sipgate_sim.sent_sms()] == ["+4915799912346"]
    assert "e-mail address" in notify.journal()[0]["warnings"][0]


def test_an_output_that_reads_like_a_secret_option_is_sent(notify: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notify(icinga_args(output="--password expired for svc-backup"))
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: --password expired for svc-backup"]
