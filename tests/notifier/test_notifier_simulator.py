# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real script in subprocesses against the sipgate API simulator: retries, spool, flush, storms, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from simulator.sipgate_simulator import TOKEN  # pylint: disable=import-error
from support.api_calls import closed_port_url
from support.notifier_script import SCRIPT, ScriptRunner, icinga_args

ALICE = "+4915799912345"


def assert_no_secret(runner: ScriptRunner, *outputs: str) -> None:
    for text in outputs:
        assert TOKEN not in text
    for path in runner.state_dir.iterdir():
        assert TOKEN not in path.read_text(encoding="utf-8"), path


def test_503s_then_success_send_exactly_one_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(status=503, count=2)
    done = notifier(icinga_args())
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: Connection refused"]
    assert notifier.events() == ["sent"]
    assert "PROBLEM web01/HTTP CRITICAL -> +4915799912345: sent" in done.stderr
    assert_no_secret(notifier, done.stdout, done.stderr)


def test_api_down_spools_and_flush_delivers_exactly_once(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(status=503, count=100)
    started = time.monotonic()
    done = notifier(icinga_args())
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 30
    assert sipgate_sim.sent_sms() == [] and notifier.events() == ["spooled"]
    assert "503" in notifier.journal()[0]["reason"] and len(notifier.state()["outbox"]) == 1
    sipgate_sim.reset()
    flushed = [notifier(["--flush"]) for _attempt in range(3)]
    assert [run.returncode for run in flushed] == [0, 0, 0]
    assert len(sipgate_sim.sent_sms()) == 1 and notifier.state()["outbox"] == []
    assert notifier.events() == ["spooled", "sent"]
    assert_no_secret(notifier, done.stderr, *(run.stderr for run in flushed))


def test_closed_port_spools_quickly(notifier: ScriptRunner) -> None:
    done = notifier(icinga_args(), env={"SIPGATE_API_URL": closed_port_url()})
    assert done.returncode == 1 and notifier.events() == ["spooled"]
    assert notifier.journal()[0]["delivery"] == "not_delivered"


def test_connection_dropped_after_the_request_prefers_a_duplicate(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    no_hold_off = notifier.config(unknown_hold_off="0")
    done = notifier(icinga_args() + no_hold_off)
    assert done.returncode == 1 and notifier.journal()[0]["delivery"] == "unknown"
    assert len(sipgate_sim.sent_sms()) == 1  # it did go out, but nobody could know
    assert notifier(["--flush"] + no_hold_off).returncode == 0
    assert notifier(["--flush"] + no_hold_off).returncode == 0
    texts = [sms["message"] for sms in sipgate_sim.sent_sms()]
    assert len(texts) == 2 and texts[0] == texts[1]
    assert [entry["event"] for entry in notifier.journal()] == ["delivery_unknown", "sent"]


def test_connection_dropped_before_the_answer_is_unknown_and_flush_delivers_exactly_one(
        notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    # A connection dropped before the answer may have carried the SMS: it waits out the hold-off (none here).
    no_hold_off = notifier.config(unknown_hold_off="0")
    sipgate_sim.add_fault(drop="before", path="/sessions/sms")
    first = notifier(icinga_args() + no_hold_off)
    assert first.returncode == 1, (first.stdout, first.stderr)
    assert sipgate_sim.sent_sms() == []
    assert notifier.events() == ["delivery_unknown"], notifier.journal()
    assert json.dumps(notifier.state()).count("Connection refused") >= 1, notifier.state()  # the SMS waits in the spool

    flushed = notifier(["--flush"] + no_hold_off)
    assert flushed.returncode == 0, (flushed.stdout, flushed.stderr)
    sent = sipgate_sim.sent_sms()
    assert len(sent) == 1 and sent[0]["recipient"] == ALICE
    assert sent[0]["message"].startswith("PROBLEM web01/HTTP CRITICAL")

    again = notifier(["--flush"] + no_hold_off)
    assert again.returncode == 0
    assert len(sipgate_sim.sent_sms()) == 1, "a flushed spool must not be sent twice"
    assert notifier.events() == ["delivery_unknown", "sent"]
    assert TOKEN not in first.stdout + first.stderr + flushed.stdout + flushed.stderr


def test_answer_slower_than_the_timeout_is_unknown_and_spooled(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(delay=8, path="/sessions/sms")
    done, seconds = timed(notifier, icinga_args())
    assert done.returncode == 1 and seconds < 15
    [entry] = notifier.journal()
    assert (entry["event"], entry["delivery"]) == ("delivery_unknown", "unknown") and "delivery unknown" in entry["reason"]


def test_50_concurrent_identical_alerts_send_one_sms_and_journal_all(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=50) as pool:
        runs = list(pool.map(lambda _number: timed(notifier, icinga_args()), range(50)))
    assert all(run.returncode == 0 for run, _seconds in runs), [run.stderr for run, _seconds in runs if run.returncode]
    assert max(seconds for _run, seconds in runs) < 15
    assert len(sipgate_sim.sent_sms()) == 1
    assert sorted(notifier.events()) == ["deduplicated"] * 49 + ["sent"]
    assert notifier.state()["outbox"] == []


def test_50_concurrent_alerts_to_50_recipients_each_arrive_once(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    recipients = ["+49157999{0:05d}".format(number) for number in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        runs = list(pool.map(lambda number: timed(notifier, icinga_args(recipient=number)), recipients))
    assert all(run.returncode == 0 for run, _seconds in runs)
    assert max(seconds for _run, seconds in runs) < 25  # well within the engines' 30 s, even all sending at once
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == recipients
    assert len(notifier.journal()) == 50 and set(notifier.state()["sends"]) == set(recipients)


def timed(runner: ScriptRunner, args: list) -> tuple:
    started = time.monotonic()
    done = runner(args)
    return done, time.monotonic() - started


def test_storm_of_200_alerts_costs_the_budget_plus_one_digest(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    storm_settings = notifier.config("storm.ini", budget=5, budget_window=600)
    with ThreadPoolExecutor(max_workers=25) as pool:
        runs = list(pool.map(lambda number: notifier(storm_settings + icinga_args(host="web{0:03d}".format(number))), range(200)))
    assert all(run.returncode == 0 for run in runs)
    assert len(sipgate_sim.sent_sms()) == 5
    assert sorted(notifier.events()) == ["held"] * 195 + ["sent"] * 5
    # Later, with the budget window over (here: a shorter window), a flush sends the digest.
    assert notifier(["--flush", *notifier.config("later.ini", budget=5, budget_window=1)]).returncode == 0
    digest = sipgate_sim.sent_sms()[-1]["message"]
    assert len(sipgate_sim.sent_sms()) == 6 and digest.startswith("195 held: web") and digest.endswith(" more")
    [record] = [entry for entry in notifier.journal() if entry["event"] == "digest_sent"]
    named = {alert["subject"] for alert in record["alerts"]}
    texted = {entry["host"] + "/HTTP" for entry in notifier.journal() if entry["event"] == "sent"}
    assert record["alerts_total"] == 195 and named | texted == {"web{0:03d}/HTTP".format(number) for number in range(200)}
    assert_no_secret(notifier, *(run.stderr for run in runs))


def test_a_hundred_concurrent_runs_journal_every_alert_once_and_stay_within_budget(
        notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    distinct, repeats, budget = 80, 20, 5
    runs = [icinga_args(service="svc{0:03d}".format(index), output="storm {0} ".format(index) * 10) for index in range(distinct)]
    runs += [icinga_args(host="db1", service="MySQL", state="CRITICAL", output="same alert") for _repeat in range(repeats)]
    started = time.monotonic()
    processes = [notifier.start(args) for args in runs]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        outcomes.append((process.returncode, out, err))
    assert time.monotonic() - started < 45

    codes = Counter(code for code, _out, _err in outcomes)
    assert set(codes) <= {0, 1}, [(code, err) for code, _out, err in outcomes if code not in (0, 1)]

    entries = notifier.journal()  # a torn line would not parse
    alert_entries = [entry for entry in entries if entry["event"] != "digest_sent"]
    assert len(alert_entries) == distinct + repeats, Counter(entry["event"] for entry in entries)
    assert all(entry["recipient"] == ALICE for entry in alert_entries)
    services = Counter(entry["service"] for entry in alert_entries)
    assert services["MySQL"] == repeats
    assert all(services["svc{0:03d}".format(index)] == 1 for index in range(distinct)), services

    state = notifier.state()
    assert isinstance(state, dict) and "MySQL" in json.dumps(state)

    sent = sipgate_sim.sent_sms()
    digests = [entry for entry in entries if entry["event"] == "digest_sent"]
    assert len(sent) <= budget + len(digests), (len(sent), Counter(entry["event"] for entry in entries))
    assert len(sent) == sum(1 for entry in entries if entry["event"] in ("sent", "digest_sent")), "journal and deliveries disagree"
    repeats_sent = [sms for sms in sent if sms["message"].startswith("PROBLEM db1/MySQL")]
    assert len(repeats_sent) <= 1
    repeat_events = Counter(entry["event"] for entry in alert_entries if entry["service"] == "MySQL")
    # The identical repeat is decided once (sent or held for a digest), every other copy is deduplicated.
    assert repeat_events["deduplicated"] == repeats - 1, repeat_events
    # Nothing was lost: every alert not sent is held for a digest (or spooled for a retry on exit 1).
    held_or_spooled = sum(1 for entry in alert_entries if entry["event"] in ("held", "spooled"))
    assert held_or_spooled + sum(1 for entry in alert_entries if entry["event"] == "sent") + repeats - 1 == distinct + repeats
    assert codes[1] == sum(1 for entry in alert_entries if entry["event"] == "spooled")


def test_deciding_without_sending_does_not_import_requests(notifier: ScriptRunner) -> None:
    assert notifier(icinga_args()).returncode == 0

    def imports(args: list) -> str:
        done = subprocess.run([sys.executable, "-X", "importtime", str(SCRIPT), *args], env=notifier.environment(), capture_output=True,
                              text=True, check=False)
        return done.stderr

    assert " requests" not in imports(icinga_args())  # a repeat: deduplicated
    assert " requests" in imports(icinga_args(host="web02"))  # positive control: a send imports it
    assert notifier.events() == ["sent", "deduplicated", "sent"]


def test_journal_lines_are_json_with_what_happened(notifier: ScriptRunner) -> None:
    notifier(icinga_args())
    notifier(icinga_args())
    lines = (notifier.state_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert {"at", "time", "event", "recipient", "host", "service", "state", "type"} <= set(first)
    assert (first["event"], second["event"]) == ("sent", "deduplicated")


def test_nagios_environment_macros_become_the_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    macros = {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTNAME": "db1", "NAGIOS_HOSTSTATE": "DOWN",
              "NAGIOS_HOSTOUTPUT": "CRITICAL - Host Unreachable | rta=0", "NAGIOS_CONTACTPAGER": "+4915799912345,+4915799912346"}
    assert notifier(env=macros).returncode == 0
    assert sorted((sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()) == [
        ("+4915799912345", "PROBLEM db1 DOWN: CRITICAL - Host Unreachable | rta=0"),
        ("+4915799912346", "PROBLEM db1 DOWN: CRITICAL - Host Unreachable | rta=0")]


def test_checkmk_context_becomes_the_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    context = {"NOTIFY_WHAT": "SERVICE", "NOTIFY_NOTIFICATIONTYPE": "ACKNOWLEDGEMENT", "NOTIFY_HOSTNAME": "db1",
               "NOTIFY_SERVICEDESC": "MySQL", "NOTIFY_SERVICESTATE": "CRITICAL", "NOTIFY_SERVICEOUTPUT": "down",
               "NOTIFY_NOTIFICATIONAUTHOR": "bob", "NOTIFY_NOTIFICATIONCOMMENT": "restarting", "NOTIFY_CONTACTPAGER": "+4915799912345"}
    assert notifier(env=context).returncode == 0
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["ACKNOWLEDGEMENT db1/MySQL CRITICAL (bob: restarting): down"]


def test_dry_run_prints_text_encoding_and_segments_and_leaves_no_trace(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(["--dry-run"] + icinga_args(output="Antwort \u201elangsam\u201c"))
    assert done.returncode == 0
    assert done.stdout.strip() == '+4915799912345 [alert, gsm7, 1 segment(s), 46 units]: PROBLEM web01/HTTP CRITICAL: Antwort "langsam"'
    assert sipgate_sim.requests() == [] and list(notifier.state_dir.iterdir()) == []


def test_an_unknown_option_never_loses_the_alert(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(icinga_args() + ["-x", "service notes", "-X", "host notes", "-Q", "something new", "--colour"])
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: Connection refused"]
    assert "warning: unknown option -Q ignored with the value after it" in done.stderr
    assert "warning: unknown option --colour ignored" in done.stderr
    [entry] = notifier.journal()
    assert entry["event"] == "sent" and entry["warnings"] == ["unknown option -Q ignored with the value after it",
                                                              "unknown option --colour ignored"]


def test_display_names_are_what_the_sms_shows(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    assert notifier(icinga_args() + ["-n", "Web shop", "-u", "Checkout"]).returncode == 0
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM Web shop/Checkout CRITICAL: Connection refused"]


def test_stock_e_mail_recipient_falls_back_to_the_settings_recipients(
        notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(notifier.config(recipients="+4915799912346") + icinga_args(recipient="oncall@example.org"))
    assert done.returncode == 0, done.stderr
    assert [sms["recipient"] for sms in sipgate_sim.sent_sms()] == ["+4915799912346"]
    assert "e-mail address" in notifier.journal()[0]["warnings"][0]


def test_an_output_that_reads_like_a_secret_option_is_sent(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(icinga_args(output="--password expired for svc-backup"))
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: --password expired for svc-backup"]
