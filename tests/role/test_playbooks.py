# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ready-made playbooks: every one parses, and the two that send do so against the simulator."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import REPO_ROOT, ansible_command, ansible_env, run_playbook

pytestmark = pytest.mark.integration

PLAYBOOKS = sorted((REPO_ROOT / "playbooks").glob("*.yml"))
ONCALL = "+4915799912345"


def credentials(api_url: str) -> dict:
    return {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_API_URL": api_url, "SIPGATE_SMS_ID": SMS_ID}


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=[path.name for path in PLAYBOOKS])
def test_playbook_passes_syntax_check(playbook: Path, tmp_path: Path) -> None:
    completed = subprocess.run([ansible_command("ansible-playbook"), "--syntax-check", "-i", "localhost,", str(playbook)],
                               cwd=tmp_path, env=ansible_env(tmp_path), capture_output=True, text=True, check=False, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_send_sms_sends_one_message_to_each_recipient(tmp_path: Path, sipgate_sim) -> None:
    run = run_playbook(REPO_ROOT / "playbooks" / "send_sms.yml", tmp_path, env=credentials(sipgate_sim.url),
                       extra_vars={"recipient": ONCALL + ", +4915799912346", "message": "Maintenance starts at 22:00"})
    assert run.rc == 0, run.output
    sent = sorted((sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms())
    assert sent == [(ONCALL, "Maintenance starts at 22:00"), ("+4915799912346", "Maintenance starts at 22:00")]
    assert TOKEN not in run.output


def test_send_sms_without_a_message_sends_nothing(tmp_path: Path, sipgate_sim) -> None:
    run = run_playbook(REPO_ROOT / "playbooks" / "send_sms.yml", tmp_path, env=credentials(sipgate_sim.url),
                       extra_vars={"recipient": ONCALL, "message": "  "})
    assert run.rc != 0
    assert sipgate_sim.sent_sms() == []


def write_tasks(folder: Path, fail: bool) -> Path:
    path = folder / "deploy.yml"
    last = ("- name: Migrate the database\n  ansible.builtin.command: /bin/false\n  changed_when: false\n" if fail
            else "- name: Migrate the database\n  ansible.builtin.command: /bin/true\n  changed_when: false\n")
    path.write_text("- name: Copy the release\n  ansible.builtin.debug:\n    msg: copying\n" + last, encoding="utf-8")
    return path


def test_deploy_notify_texts_the_failed_task(tmp_path: Path, sipgate_sim) -> None:
    run = run_playbook(REPO_ROOT / "playbooks" / "deploy_notify.yml", tmp_path, env=credentials(sipgate_sim.url),
                       extra_vars={"deploy_tasks": str(write_tasks(tmp_path, fail=True)), "oncall_numbers": ONCALL})
    assert run.rc != 0, "the run stays failed after texting"
    messages = [sms["message"] for sms in sipgate_sim.sent_sms()]
    assert len(messages) == 1, messages
    assert messages[0].startswith("DEPLOY FAILED deploy.yml on localhost") and "Migrate the database" in messages[0]


def test_deploy_notify_texts_success(tmp_path: Path, sipgate_sim) -> None:
    run = run_playbook(REPO_ROOT / "playbooks" / "deploy_notify.yml", tmp_path, env=credentials(sipgate_sim.url),
                       extra_vars={"deploy_tasks": str(write_tasks(tmp_path, fail=False)), "oncall_numbers": ONCALL})
    assert run.rc == 0, run.output
    assert [(sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()] == [(ONCALL, "DEPLOY OK deploy.yml on 1 host(s): localhost")]
