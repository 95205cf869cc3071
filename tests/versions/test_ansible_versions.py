# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every ansible-core the collection claims gets a smoke run of module, callback and role, from the tarball.

The claim is made in four places that must agree: meta/runtime.yml (requires_ansible), the role's
min_ansible_version, the README's table of tested versions, and the virtualenvs `make venv` builds
(`make sanity` runs ansible-test in the same ones).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Sequence

import pytest
import yaml
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import REPO_ROOT, PlaybookRun, ansible_env
from support.sms_tasks import sipgate_env

pytestmark = pytest.mark.integration

# ansible-core minor version -> the virtualenv whose controller runs it.
CONTROLLERS = {
    "2.19": REPO_ROOT / ".venv",
    "2.20": REPO_ROOT / ".venv-2.20",
    "2.21": REPO_ROOT / ".venv-latest",
}
VERSIONS = sorted(CONTROLLERS, key=lambda version: tuple(int(part) for part in version.split(".")))
ONCALL = "+4915799912345"
OPERATOR = "+4915799912346"

MODULE_AND_CALLBACK = """\
- name: Smoke run
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the account
      sipgateio.sms.sipgate_sms_info:
      register: account
    - name: Text the on-call people
      sipgateio.sms.sipgate_sms:
        recipients: "{{ oncall }}"
        message: "{{ ('Smoke run on ansible-core ' ~ ansible_version.full ~ ' from ' ~ account.sms_extensions[0].id) | sipgateio.sms.sms_fit }}"
      register: first
    - name: Text them again
      sipgateio.sms.sipgate_sms:
        recipients: "{{ oncall }}"
        message: "{{ ('Smoke run on ansible-core ' ~ ansible_version.full ~ ' from ' ~ account.sms_extensions[0].id) | sipgateio.sms.sms_fit }}"
      register: second
    - name: Check that the first sent and the second did not
      ansible.builtin.assert:
        that: [first.changed, not second.changed]
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: so that the callback texts
"""


def controller_run(version: str, workdir: Path, collections: Path, argv: Sequence[str], env: dict) -> PlaybookRun:
    """ansible-playbook of the virtualenv for ``version``, with the installed collection."""
    venv_bin = CONTROLLERS[version] / "bin"
    environment = ansible_env(workdir, {"PATH": "{0}:{1}".format(venv_bin, ansible_env(workdir)["PATH"]),
                                        "ANSIBLE_PYTHON_INTERPRETER": str(venv_bin / "python"), **env}, collections=collections)
    command = [str(venv_bin / "ansible-playbook"), *argv]
    completed = subprocess.run(command, cwd=str(workdir), env=environment, capture_output=True, text=True, timeout=300, check=False)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, command)


def write_secret(path: Path) -> None:
    """The token as a vars file readable only by its owner, so it stays out of the command line."""
    path.write_text("notifier_sipgate_token: {0}\n".format(TOKEN), encoding="utf-8")
    path.chmod(0o600)


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@pytest.mark.parametrize("version", VERSIONS)
def test_each_controller_runs_the_ansible_core_it_stands_for(version: str) -> None:
    python = CONTROLLERS[version] / "bin" / "python"
    assert python.exists(), "{0} is missing: `make venv` builds it".format(CONTROLLERS[version].name)
    reported = subprocess.run([str(python), "-c", "from ansible.release import __version__; print(__version__)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert minor(reported) == version


def test_runtime_role_and_readme_claim_the_tested_versions() -> None:
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    assert runtime["requires_ansible"] == ">={0}.0".format(VERSIONS[0])
    role_meta = yaml.safe_load((REPO_ROOT / "roles" / "notifier" / "meta" / "main.yml").read_text(encoding="utf-8"))
    assert str(role_meta["galaxy_info"]["min_ansible_version"]) == VERSIONS[0]
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| (2\.\d+) \|", readme, flags=re.MULTILINE) == VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_module_filter_and_callback_work_on_each_supported_ansible_core(
        version: str, tmp_path: Path, sipgate_sim: Any, installed_collection: Path) -> None:
    (tmp_path / "smoke.yml").write_text(MODULE_AND_CALLBACK, encoding="utf-8")
    env = {**sipgate_env(sipgate_sim.url), "ANSIBLE_CALLBACKS_ENABLED": "sipgateio.sms.sipgate_sms",
           "SIPGATE_SMS_RECIPIENTS": OPERATOR}
    run = controller_run(version, tmp_path, installed_collection,
                         ["-i", "localhost,", "-c", "local", "-e", "oncall=" + ONCALL, "smoke.yml"], env)
    assert run.rc == 2, run.output
    sent = [(sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()]
    assert len(sent) == 2, sent
    assert sent[0][0] == ONCALL and re.fullmatch(r"Smoke run on ansible-core {0}\.\d+ from {1}".format(re.escape(version), SMS_ID),
                                                 sent[0][1]), sent
    assert sent[1][0] == OPERATOR and sent[1][1].startswith("Ansible FAILED smoke.yml"), sent
    assert "localhost 'Fail on purpose': so that the callback texts" in sent[1][1]
    assert TOKEN not in run.output


@pytest.mark.parametrize("version", VERSIONS)
def test_role_runs_in_check_mode_on_each_supported_ansible_core(
        version: str, tmp_path: Path, sipgate_sim: Any, installed_collection: Path) -> None:
    # The monitoring host's own Python, which has python3-apt for the role's package task.
    (tmp_path / "inventory.ini").write_text(
        "[monitoring]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n", encoding="utf-8")
    role_vars = ["-e", "notifier_engine=nagios4", "-e", "notifier_sipgate_token_id=" + TOKEN_ID,
                 "-e", "notifier_sipgate_sms_id=" + SMS_ID, "-e", "notifier_sipgate_api_url=" + sipgate_sim.url]
    write_secret(tmp_path / "secret.yml")
    run = controller_run(version, tmp_path, installed_collection,
                         ["-i", "inventory.ini", *role_vars, "-e", "@secret.yml", "--check", "sipgateio.sms.monitoring"],
                         {"ANSIBLE_PIPELINING": "1"})
    assert run.rc == 0, run.output
    assert re.search(r"localhost\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", run.stdout), run.output
    assert sipgate_sim.sent_sms() == []
