# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/monitoring.yml applied for real to this machine (group "monitoring" = localhost)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import REPO_ROOT, PlaybookRun, run_playbook

MONITORING_PLAYBOOK = REPO_ROOT / "playbooks" / "monitoring.yml"
PAGER = "+4915799912345"

# What the role puts outside the engine's own folder, with its default variables.
INSTALL_DIR = Path("/usr/local/lib/sipgate-sms")
COMMAND = Path("/usr/local/bin/sipgate-sms-notify")
CONFIG_DIR = Path("/etc/sipgate-sms")
CONFIG_FILE = CONFIG_DIR / "notify.ini"
STATE_DIR = Path("/var/lib/sipgate-sms")
CRON_FILE = Path("/etc/cron.d/sipgate-sms-flush")
ROLE_PATHS = (INSTALL_DIR, COMMAND, CONFIG_DIR, STATE_DIR, CRON_FILE)
# Where the flush is scheduled on a machine that runs systemd.
SYSTEMD_UNITS = (Path("/etc/systemd/system/sipgate-sms-flush.service"), Path("/etc/systemd/system/sipgate-sms-flush.timer"))


def write_inventory(workdir: Path) -> Path:
    """The group the playbook targets, holding only this machine."""
    path = workdir / "inventory.ini"
    path.write_text("[monitoring]\nlocalhost ansible_connection=local ansible_python_interpreter={0}\n".format(sys.executable),
                    encoding="utf-8")
    return path


def role_vars(engine: str, api_url: str, reload_marker: Path, **extra: Any) -> dict:
    """The role's variables for a test: the simulator's account, and a reload that leaves a mark."""
    return {
        "notifier_engine": engine,
        "notifier_sipgate_token_id": TOKEN_ID,
        "notifier_sipgate_token": TOKEN,
        "notifier_sipgate_sms_id": SMS_ID,
        "notifier_sipgate_api_url": api_url,
        "notifier_reload_command": "touch {0}".format(reload_marker),
        **extra,
    }


def apply_role(workdir: Path, variables: Mapping[str, Any], options: Sequence[str] = ()) -> PlaybookRun:
    """One run of playbooks/monitoring.yml against localhost."""
    inventory = write_inventory(workdir)
    # Pipelining spares every task a temporary folder; the role runs many small tasks.
    return run_playbook(MONITORING_PLAYBOOK, workdir, env={"ANSIBLE_PIPELINING": "1"}, extra_vars=variables,
                        options=["-i", str(inventory), *options], timeout=240)


def remove_role_paths() -> None:
    """A machine the role has never run on (the snapshot puts back whatever was there)."""
    for path in ROLE_PATHS:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def sms_to(sent: Sequence[Mapping[str, Any]], host: str, word: str) -> list:
    """Messages to the pager that are about ``host`` and contain ``word`` (PROBLEM, RECOVERY)."""
    return [sms["message"] for sms in sent if sms.get("recipient") == PAGER and host in sms["message"] and word in sms["message"]]


def files_holding(secret: str, roots: Sequence[Path]) -> list:
    """Every file under ``roots`` (files or folders) whose bytes contain ``secret``."""
    found = []
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        found += [path for path in candidates if path.is_file() and not path.is_symlink() and secret.encode() in path.read_bytes()]
    return found


def assert_a_second_run_changes_nothing(workdir: Path, variables: Mapping[str, Any], reload_marker: Path) -> None:
    """The role applied again with the same variables: nothing changed, the engine not reloaded."""
    reload_marker.unlink(missing_ok=True)
    run = apply_role(workdir, variables)
    assert run.rc == 0, run.output
    assert run.recap()["changed"] == 0, run.output
    assert not reload_marker.exists()
