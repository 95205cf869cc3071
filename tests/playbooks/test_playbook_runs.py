# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ready-made playbooks, run by their collection name from the collection installed from its tarball.

Every run starts in its own directory, as a user's shell would, with a stale PWD in the environment
(the test process's own): relative paths must be taken from where ansible-playbook runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN
from support.ansible_runner import REPO_ROOT, PlaybookRun, ansible_command, ansible_env, run_playbook
from support.sms_tasks import sipgate_env

pytestmark = pytest.mark.integration

PLAYBOOKS = sorted(path.stem for path in (REPO_ROOT / "playbooks").glob("*.yml"))
ONCALL = "+4915799912345"
SECOND = "+4915799912346"
MIGRATE_FAILS_ON_WEB2 = """\
- name: Copy the release
  ansible.builtin.debug:
    msg: copying
- name: Migrate the database
  ansible.builtin.command: "{{ '/bin/false' if inventory_hostname == 'web2' else '/bin/true' }}"
  changed_when: false
"""
ALL_GOOD = """\
- name: Copy the release
  ansible.builtin.debug:
    msg: copying
"""


def credentials(api_url: str) -> dict:
    # PWD names another directory than the one ansible-playbook starts in, as when a program starts it.
    return sipgate_env(api_url, SIPGATE_SMS_ID=SMS_ID, PWD=str(REPO_ROOT))


def run(name: str, workdir: Path, sim: Any, collections: Path, extra_vars: Optional[Mapping[str, Any]] = None,
        options: Sequence[str] = ()) -> PlaybookRun:
    return run_playbook("sipgateio.sms." + name, workdir, env=credentials(sim.url), extra_vars=extra_vars,
                        options=options, collections=collections)


def messages(sim: Any) -> list:
    return [(sms["recipient"], sms["message"]) for sms in sim.sent_sms()]


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_passes_syntax_check(playbook: str, tmp_path: Path, installed_collection: Path) -> None:
    completed = subprocess.run([ansible_command("ansible-playbook"), "--syntax-check", "-i", "localhost,", "sipgateio.sms." + playbook],
                               cwd=tmp_path, env=ansible_env(tmp_path, collections=installed_collection), capture_output=True,
                               text=True, check=False, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


# --- send_sms --------------------------------------------------------------------------------------


def test_send_sms_sends_a_message_with_spaces_given_as_json(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = run("send_sms", tmp_path, sipgate_sim, installed_collection,
                 options=["-e", "recipient={0},{1}".format(ONCALL, SECOND), "-e", json.dumps({"message": "Maintenance starts at 22:00"})])
    assert result.rc == 0, result.output
    assert sorted(messages(sipgate_sim)) == [(ONCALL, "Maintenance starts at 22:00"), (SECOND, "Maintenance starts at 22:00")]
    assert "{0}: sent".format(ONCALL) in result.output
    assert TOKEN not in result.output


def test_send_sms_refuses_a_key_value_message_cut_at_a_space(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = run("send_sms", tmp_path, sipgate_sim, installed_collection,
                 options=["-e", "recipient=" + ONCALL, "-e", "message=Maintenance starts at 22:00"])
    assert result.rc != 0
    assert '"starts at 22:00" was left over' in result.output
    assert """-e '{"message": "Maintenance starts at 22:00"}'""" in result.output
    assert sipgate_sim.sent_sms() == []


def test_send_sms_reads_a_message_file_from_the_current_directory(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    (tmp_path / "notice.txt").write_text("Maintenance of web01 starts at 22:00.\nExpect 10 minutes downtime.\n", encoding="utf-8")
    result = run("send_sms", tmp_path, sipgate_sim, installed_collection, extra_vars={"recipient": ONCALL, "message_file": "notice.txt"})
    assert result.rc == 0, result.output
    assert messages(sipgate_sim) == [(ONCALL, "Maintenance of web01 starts at 22:00.\nExpect 10 minutes downtime.")]


def test_send_sms_names_a_missing_message_file_with_its_full_path(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = run("send_sms", tmp_path, sipgate_sim, installed_collection, extra_vars={"recipient": ONCALL, "message_file": "notice.txt"})
    assert result.rc != 0
    assert "message_file: {0} is not a readable file".format(tmp_path / "notice.txt") in result.output
    assert sipgate_sim.sent_sms() == []


def test_send_sms_says_why_a_recipient_was_skipped(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    extra_vars = {"recipient": ONCALL, "message": "Maintenance starts at 22:00"}
    assert run("send_sms", tmp_path, sipgate_sim, installed_collection, extra_vars=extra_vars).rc == 0
    rerun = run("send_sms", tmp_path, sipgate_sim, installed_collection, extra_vars=extra_vars)
    assert rerun.rc == 0, rerun.output
    assert len(sipgate_sim.sent_sms()) == 1
    assert "{0}: skipped: already sent at".format(ONCALL) in rerun.output
    assert "within dedup_window); -e force=true sends it again" in rerun.output


def test_send_sms_without_a_message_sends_nothing(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = run("send_sms", tmp_path, sipgate_sim, installed_collection, extra_vars={"recipient": ONCALL, "message": "  "})
    assert result.rc != 0
    assert "Give both: -e recipient=" in result.output
    assert sipgate_sim.sent_sms() == []


# --- deploy_notify ---------------------------------------------------------------------------------


def write_inventory(workdir: Path, web3: str = "") -> str:
    """Three web hosts, all this machine; ``web3`` adds variables to the third."""
    (workdir / "inventory.ini").write_text("[web]\nweb1\nweb2\nweb3 {0}\n".format(web3), encoding="utf-8")
    return "inventory.ini"


def deploy(workdir: Path, sim: Any, collections: Path, tasks: str, web3: str = "", **extra_vars: Any) -> PlaybookRun:
    """deploy_notify for the group web, with deploy.yml (from ``tasks``) given by a path relative to ``workdir``."""
    (workdir / "deploy.yml").write_text(tasks, encoding="utf-8")
    inventory = write_inventory(workdir, web3)
    return run("deploy_notify", workdir, sim, collections, options=["-i", inventory],
               extra_vars={"deploy_tasks": "deploy.yml", "deploy_hosts": "web", "oncall_numbers": ONCALL, **extra_vars})


def test_deploy_notify_texts_one_failure_naming_host_and_task_when_one_of_three_hosts_fails(
        tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = deploy(tmp_path, sipgate_sim, installed_collection, MIGRATE_FAILS_ON_WEB2)
    assert result.rc != 0, "the run stays failed after texting"
    assert messages(sipgate_sim) == [
        (ONCALL, 'DEPLOY FAILED deploy.yml on 1 of 3 host(s): web2: task "Migrate the database": non-zero return code')]


def test_deploy_notify_texts_success_once_for_all_hosts(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = deploy(tmp_path, sipgate_sim, installed_collection, ALL_GOOD, oncall_numbers=ONCALL + ", " + SECOND)
    assert result.rc == 0, result.output
    ok = "DEPLOY OK deploy.yml on 3 host(s): web1, web2, web3"
    assert sorted(messages(sipgate_sim)) == [(ONCALL, ok), (SECOND, ok)]


def test_deploy_notify_texts_nothing_on_success_with_notify_success_false(
        tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    result = deploy(tmp_path, sipgate_sim, installed_collection, ALL_GOOD, notify_success=False)
    assert result.rc == 0, result.output
    assert messages(sipgate_sim) == []


def test_deploy_notify_texts_a_tasks_file_that_cannot_be_included(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    tasks = "- name: Include the steps\n  ansible.builtin.include_tasks: steps-that-are-missing.yml\n"
    result = deploy(tmp_path, sipgate_sim, installed_collection, tasks, deploy_title="release 2.4")
    assert result.rc != 0
    assert messages(sipgate_sim) == [
        (ONCALL, "DEPLOY FAILED release 2.4 on 3 of 3 host(s): web1, web2, web3: a tasks file could not be included")]


def test_deploy_notify_texts_an_unreachable_host(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    # An ssh that cannot connect: exit status 255 is what Ansible reads as unreachable.
    ssh = tmp_path / "ssh-refused"
    ssh.write_text("#!/bin/sh\necho 'ssh: connect to host web3 port 22: Connection refused' >&2\nexit 255\n", encoding="utf-8")
    ssh.chmod(0o755)
    result = deploy(tmp_path, sipgate_sim, installed_collection, ALL_GOOD,
                    web3="ansible_connection=ssh ansible_ssh_executable={0}".format(ssh))
    assert result.rc != 0
    ((recipient, message),) = messages(sipgate_sim)
    assert message.startswith("DEPLOY FAILED deploy.yml on 1 of 3 host(s): web3: unreachable: "), message
    assert "Connection refused" in message and "DEPLOY OK" not in message


def test_deploy_notify_refuses_a_missing_tasks_file_before_deploying(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    write_inventory(tmp_path)
    result = run("deploy_notify", tmp_path, sipgate_sim, installed_collection, options=["-i", "inventory.ini"],
                 extra_vars={"deploy_tasks": "deploy.yml", "deploy_hosts": "web", "oncall_numbers": ONCALL})
    assert result.rc != 0
    assert "deploy_tasks: {0} is not a readable file".format(tmp_path / "deploy.yml") in result.output
    assert "Copy the release" not in result.output
    assert sipgate_sim.sent_sms() == []


def test_deploy_notify_never_texts_the_output_of_a_no_log_task(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    secret = "RegistryPw-7731-secret"
    tasks = ("- name: Log in to the registry\n  ansible.builtin.command: \"sh -c 'echo bad pw {0} >&2; exit 1'\"\n"
             "  no_log: true\n  when: inventory_hostname == 'web2'\n".format(secret))
    result = deploy(tmp_path, sipgate_sim, installed_collection, tasks)
    assert result.rc != 0
    assert messages(sipgate_sim) == [
        (ONCALL, 'DEPLOY FAILED deploy.yml on 1 of 3 host(s): web2: task "Log in to the registry": failed (output hidden: no_log)')]
    assert secret not in result.output


def test_deploy_notify_refuses_a_bad_number_before_deploying(tmp_path: Path, sipgate_sim, installed_collection: Path) -> None:
    tasks = "- name: Copy the release\n  ansible.builtin.copy:\n    content: deployed\n    dest: {0}/deployed-{{{{ inventory_hostname }}}}\n".format(tmp_path)
    result = deploy(tmp_path, sipgate_sim, installed_collection, tasks, oncall_numbers=ONCALL + ",+49 1")
    assert result.rc != 0 and "recipients[1]" in result.output, result.output
    assert list(tmp_path.glob("deployed-*")) == [] and sipgate_sim.requests() == []
