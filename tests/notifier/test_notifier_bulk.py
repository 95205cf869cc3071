# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checkmk bulk notifications: the bulk format on standard input, one SMS per recipient, every alert journaled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

import jinja2
from simulator.sipgate_simulator import TOKEN  # pylint: disable=import-error
from support.notifier_script import SCRIPT, ScriptRunner

from sipgate_api.encoding import measure
from sipgate_notify import checkmk_bulk
from sipgate_notify.alert import Alert
from sipgate_notify.message import DEFAULT_TEMPLATE, bulk

ALICE = "+4915799912345"
BOB = "+4915799912346"
CHECKMK_TEMPLATE = Path(__file__).resolve().parents[2] / "roles" / "notifier" / "templates" / "checkmk-sipgate_sms.sh.j2"


def bulk_input(parameters: Mapping[str, str], contexts: Sequence[Mapping[str, str]]) -> str:
    """What Checkmk writes to a bulk script: parameters, then each context after a blank line, newlines as 0x01."""
    def lines(values: Mapping[str, str]) -> str:
        return "".join("{0}={1}\n".format(key, value.replace("\r", "").replace("\n", "\x01")) for key, value in values.items())
    return lines(parameters) + "".join("\n" + lines(context) for context in contexts)


def service_context(host: str, service: str, state: str, output: str = "down", pager: str = ALICE,
                    notification_type: str = "PROBLEM") -> dict:
    return {"WHAT": "SERVICE", "NOTIFICATIONTYPE": notification_type, "HOSTNAME": host, "HOSTALIAS": host.upper(), "SERVICEDESC": service,
            "SERVICESTATE": state, "SERVICEOUTPUT": output, "LONGSERVICEOUTPUT": "line 1\nline 2", "CONTACTPAGER": pager,
            "CONTACTNAME": "oncall", "SHORTDATETIME": "2026-11-25 08:00:00"}


def host_context(host: str, state: str, pager: str = ALICE) -> dict:
    return {"WHAT": "HOST", "NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": host, "HOSTSTATE": state, "HOSTOUTPUT": "no answer",
            "CONTACTPAGER": pager, "CONTACTNAME": "oncall"}


def twenty_contexts(pager: str = ALICE) -> list:
    states = ["WARNING", "CRITICAL", "UNKNOWN", "OK"]
    return [service_context("web{0:02d}".format(number), "HTTP", states[number % 4], pager=pager,
                            notification_type="RECOVERY" if states[number % 4] == "OK" else "PROBLEM") for number in range(19)] + [
        host_context("db1", "DOWN", pager=pager)]


def test_the_bulk_format_gives_parameters_and_contexts_with_their_newlines() -> None:
    text = bulk_input({"PARAMETER_1": BOB}, [service_context("web01", "HTTP", "CRITICAL"), host_context("db1", "DOWN")])
    parsed = checkmk_bulk.parse((text + "\n\nnot a pair\n").split("\n"))
    assert parsed.parameters == {"PARAMETER_1": BOB}
    assert [context["HOSTNAME"] for context in parsed.contexts] == ["web01", "db1"]
    assert parsed.contexts[0]["LONGSERVICEOUTPUT"] == "line 1\nline 2"
    assert parsed.unreadable == ["not a pair"]


def test_parameters_that_are_numbers_add_recipients_to_every_alert() -> None:
    parsed = checkmk_bulk.parse(bulk_input({"PARAMETER_1": BOB, "PARAMETER_2": "verbose"}, [host_context("db1", "DOWN")]).split("\n"))
    [alert], refused = checkmk_bulk.alerts_of(parsed)
    assert refused == [] and alert.recipients == (ALICE, BOB)


def test_a_context_that_is_no_alert_is_refused_with_the_reason() -> None:
    parsed = checkmk_bulk.parse(bulk_input({}, [{"WHAT": "HOST", "HOSTNAME": "db1"}, host_context("db2", "DOWN")]).split("\n"))
    alerts, refused = checkmk_bulk.alerts_of(parsed)
    assert [alert.host for alert in alerts] == ["db2"]
    assert [reason for _context, reason in refused] == ["checkmk input without a notification type"]


def test_the_bulk_sms_counts_the_alerts_and_names_the_worst_first() -> None:
    alerts = [Alert("RECOVERY", "web02", "OK", service="HTTP"), Alert("PROBLEM", "web01", "WARNING", service="Disk"),
              Alert("PROBLEM", "db1", "DOWN"), Alert("ACKNOWLEDGEMENT", "mail", "CRITICAL", service="SMTP"),
              Alert("PROBLEM", "web01", "CRITICAL", service="HTTP")]
    assert bulk(DEFAULT_TEMPLATE, alerts, 1) == (
        "5 alerts: db1 DOWN, web01/HTTP CRITICAL, web01/Disk WARNING, mail/SMTP ACKNOWLEDGEMENT, web02/HTTP OK")
    many = [Alert("PROBLEM", "host-with-a-long-name-{0}".format(number), "CRITICAL", service="HTTP") for number in range(40)]
    text = bulk(DEFAULT_TEMPLATE, many, 2)
    assert text.startswith("40 alerts: host-with-a-long-name-0/HTTP CRITICAL, ") and text.endswith(" more")
    assert measure(text).segments <= 2


def test_a_bulk_of_one_is_an_ordinary_alert_sms() -> None:
    assert bulk(DEFAULT_TEMPLATE, [Alert("PROBLEM", "db1", "DOWN", "no answer")], 1) == "PROBLEM db1 DOWN: no answer"


def test_twenty_alerts_in_one_bulk_send_one_sms_and_journal_twenty_lines(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(["--bulk"], stdin=bulk_input({}, twenty_contexts()))
    assert done.returncode == 0, done.stderr
    [sms] = sipgate_sim.sent_sms()
    assert sms["recipient"] == ALICE
    # Worst first (CRITICAL and DOWN as they came, then UNKNOWN, WARNING, recoveries); the rest counted.
    assert sms["message"].startswith("20 alerts: web01/HTTP CRITICAL, web05/HTTP CRITICAL, web09/HTTP CRITICAL, ")
    assert "web17/HTTP CRITICAL, db1 DOWN, web02/HTTP UNKNOWN" in sms["message"] and sms["message"].endswith(" more")
    assert measure(sms["message"]).segments == 1
    journal = notifier.journal()
    assert len(journal) == 20 and {entry["event"] for entry in journal} == {"sent"}
    assert sorted(entry["host"] for entry in journal) == sorted(["web{0:02d}".format(number) for number in range(19)] + ["db1"])
    assert {entry["bulk"] for entry in journal} == {20} and TOKEN not in done.stdout + done.stderr


def test_a_bulk_to_two_recipients_is_one_sms_each(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    contexts = twenty_contexts()
    done = notifier(["--bulk"], stdin=bulk_input({"PARAMETER_1": BOB}, contexts))
    assert done.returncode == 0, done.stderr
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == [ALICE, BOB]
    assert len(notifier.journal()) == 40


def test_the_same_bulk_again_sends_nothing_and_journals_each_alert(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    stdin = bulk_input({}, twenty_contexts())
    assert notifier(["--bulk"], stdin=stdin).returncode == 0
    again = notifier(["--bulk"], stdin=stdin)
    assert again.returncode == 0, again.stderr
    assert len(sipgate_sim.sent_sms()) == 1
    assert [entry["event"] for entry in notifier.journal()[20:]] == ["deduplicated"] * 20


def test_a_bulk_over_budget_is_held_for_the_digest(notifier: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "notify.ini"
    settings.write_text("[notify]\nbudget = 1\n", encoding="utf-8")
    settings.chmod(0o600)
    assert notifier(["--config", str(settings), "--bulk"], stdin=bulk_input({}, [host_context("db1", "DOWN")])).returncode == 0
    assert notifier(["--config", str(settings), "--bulk"], stdin=bulk_input({}, twenty_contexts()[:3])).returncode == 0
    assert len(sipgate_sim.sent_sms()) == 1
    assert [entry["event"] for entry in notifier.journal()] == ["sent", "held", "held", "held"]


def test_a_bad_context_is_journaled_as_failed_and_the_others_are_sent(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    contexts = [host_context("db1", "DOWN"), {"WHAT": "SERVICE", "HOSTNAME": "web01", "CONTACTPAGER": ALICE}]
    done = notifier(["--bulk"], stdin=bulk_input({}, contexts))
    assert done.returncode == 2
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM db1 DOWN: no answer"]
    assert sorted((entry["event"], entry["host"]) for entry in notifier.journal()) == [("failed", "web01"), ("sent", "db1")]


def test_an_empty_bulk_is_refused(notifier: ScriptRunner) -> None:
    done = notifier(["--bulk"], stdin="PARAMETER_1=x\n")
    assert done.returncode == 2 and "no alert" in done.stderr


def test_dry_run_shows_the_bulk_sms_and_writes_nothing(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(["--bulk", "--dry-run"], stdin=bulk_input({}, twenty_contexts()))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(ALICE + " [bulk, gsm7, 1 segment(s), ")
    assert sipgate_sim.requests() == [] and list(notifier.state_dir.iterdir()) == []


def test_the_roles_checkmk_script_declares_bulk_and_passes_stdin_through(
        notifier: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    command = tmp_path / "sipgate-sms-notify"
    command.write_text("#!/bin/sh\nexec {0} {1} \"$@\"\n".format(sys.executable, SCRIPT), encoding="utf-8")
    command.chmod(0o755)
    settings = tmp_path / "notify.ini"
    settings.write_text("[notify]\nmax_segments = 1\n", encoding="utf-8")
    settings.chmod(0o600)
    script = tmp_path / "sipgate_sms"
    script.write_text(jinja2.Template(CHECKMK_TEMPLATE.read_text(encoding="utf-8")).render(
        ansible_managed="managed", notifier_command_path=str(command), notifier_config_file=str(settings)), encoding="utf-8")
    script.chmod(0o755)
    header = script.read_text(encoding="utf-8").splitlines()
    # Checkmk takes line 2 as the method's title and looks for "# Bulk: yes" among the header comments.
    assert header[1] == "# SMS through sipgate" and "# Bulk: yes" in header[:5]
    done = subprocess.run([str(script), "--bulk"], input=bulk_input({}, twenty_contexts()[:3]), env=notifier.environment(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert [sms["message"][:10] for sms in sipgate_sim.sent_sms()] == ["3 alerts: "]
