# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token never shows: not in verbose Ansible output, not in the notifier's output, journal or state, not in ps."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
from hardening_runs import (ONCALL, icinga_args, notifier_command, notifier_env, run_notifier, run_tasks, sipgate_env)
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import run_playbook, write_playbook

pytestmark = pytest.mark.integration


def secret_vars(tmp_path: Path) -> list:
    """The token reaches the tasks as a variable from a file, as in a vault-backed playbook."""
    path = tmp_path / "secrets.yml"
    path.write_text("sipgate_token: {0}\n".format(TOKEN), encoding="utf-8")
    return ["-vvv", "-e", "@" + str(path)]


def without_token_env(api_url: str) -> dict:
    env = sipgate_env(api_url)
    del env["SIPGATE_TOKEN"]
    return env


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text, "the token leaked:\n" + text[max(0, text.find(TOKEN) - 300):text.find(TOKEN) + 100]


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:{0}/v2".format(port)


def test_module_and_info_module_at_vvv_never_show_the_token_even_when_refused(sipgate_sim, tmp_path: Path) -> None:
    state_file = tmp_path / "sent.json"
    common = {"token_id": TOKEN_ID, "token": "{{ sipgate_token }}", "recipient": ONCALL, "state_file": str(state_file)}
    tasks = [
        ("sipgateio.sms.sipgate_sms", dict(common, message="deployed", sms_id=SMS_ID)),
        ("sipgateio.sms.sipgate_sms", dict(common, message="from a foreign extension", sms_id="s9")),
        ("sipgateio.sms.sipgate_sms_info", {"token_id": TOKEN_ID, "token": "{{ sipgate_token }}"}),
    ]
    outcome = run_tasks(tmp_path, sipgate_sim.url, tasks, options=secret_vars(tmp_path), env=without_token_env(sipgate_sim.url))
    sent, refused, info = outcome.results
    assert sent["changed"] is True and not sent.get("failed"), sent
    assert refused["failed"] is True and "HTTP 403" in refused["msg"], refused
    assert not info.get("failed") and info["sms_extensions"], info
    assert "ESTABLISH LOCAL CONNECTION" in outcome.run.output  # really at -vvv
    assert_no_token(outcome.run.output, json.dumps(outcome.results), state_file.read_text(encoding="utf-8"))
    assert len(sipgate_sim.sent_sms()) == 1


def test_callback_at_vvv_on_a_failing_play_never_shows_the_token(sipgate_sim, tmp_path: Path) -> None:
    playbook = write_playbook(tmp_path, "    - name: Break the deployment\n      ansible.builtin.fail:\n        msg: migration failed\n",
                              name="deploy.yml")
    env = {"ANSIBLE_CALLBACKS_ENABLED": "sipgateio.sms.sipgate_sms", "SIPGATE_SMS_RECIPIENTS": ONCALL, "SIPGATE_SMS_ID": "s9",
           **sipgate_env(sipgate_sim.url)}
    run = run_playbook(playbook, tmp_path, env=env, options=["-vvv"])
    assert run.rc == 2, run.output
    assert "sipgate_sms callback" in run.output and "403" in run.output, run.output  # the send was refused, and said so
    assert_no_token(run.output)


def test_notifier_failing_delivery_and_dry_run_keep_the_token_out_of_output_journal_and_state(sipgate_sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    failed = run_notifier(icinga_args(), notifier_env(closed_port_url(), state_dir))
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    dry = run_notifier(["--dry-run", *icinga_args(service="DNS")], notifier_env(sipgate_sim.url, state_dir))
    assert dry.returncode == 0, (dry.stdout, dry.stderr)
    assert "PROBLEM web01/DNS CRITICAL" in dry.stdout
    journal = (state_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert '"spooled"' in journal
    assert_no_token(failed.stdout, failed.stderr, dry.stdout, dry.stderr, journal, (state_dir / "state.json").read_text(encoding="utf-8"))
    assert sipgate_sim.sent_sms() == []


def test_token_is_not_in_the_command_line_of_a_running_notifier(sipgate_sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    sipgate_sim.add_fault(delay=2.0, path="/sessions/sms")
    process = subprocess.Popen(notifier_command(icinga_args()), env=notifier_env(sipgate_sim.url, state_dir),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not any(request["method"] == "POST" for request in sipgate_sim.requests()):
            assert process.poll() is None and time.monotonic() < deadline, "the notifier never reached the send"
            time.sleep(0.05)
        # The send hangs in the simulator's delay: the process is alive and mid-delivery.
        cmdline = Path("/proc/{0}/cmdline".format(process.pid)).read_bytes().decode("utf-8", "replace")
        assert "sipgate_sms_notify.py" in cmdline and "web01" in cmdline
        assert TOKEN not in cmdline and TOKEN_ID not in cmdline
    finally:
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, (out, err)
    assert len(sipgate_sim.sent_sms()) == 1


def test_notifier_refuses_a_settings_file_others_can_read(sipgate_sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    config = tmp_path / "notify.ini"
    config.write_text("[sipgate]\ntoken_id = {0}\ntoken = {1}\nsms_id = {2}\napi_url = {3}\n".format(TOKEN_ID, TOKEN, SMS_ID, sipgate_sim.url),
                      encoding="utf-8")
    config.chmod(0o644)
    env = notifier_env(sipgate_sim.url, state_dir)
    for name in ("SIPGATE_TOKEN_ID", "SIPGATE_TOKEN"):
        del env[name]
    refused = run_notifier(["--config", str(config), *icinga_args()], env)
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "chmod 600 {0}".format(config) in refused.stderr, refused.stderr
    assert_no_token(refused.stdout, refused.stderr)
    assert sipgate_sim.sent_sms() == []

    config.chmod(0o600)
    accepted = run_notifier(["--config", str(config), *icinga_args()], env)
    assert accepted.returncode == 0, (accepted.stdout, accepted.stderr)
    assert len(sipgate_sim.sent_sms()) == 1


@pytest.mark.parametrize("argv", [["--token", "x"], ["--token=x"], ["--access-token", "x"]])
def test_notifier_refuses_a_secret_on_the_command_line(sipgate_sim, tmp_path: Path, argv: list) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    refused = run_notifier([*argv, *icinga_args()], notifier_env(sipgate_sim.url, state_dir))
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "never taken from the command line" in refused.stderr, refused.stderr
    assert sipgate_sim.sent_sms() == []
