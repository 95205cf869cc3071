# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings: the INI file and its permissions, the environment, and secrets refused on the command line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error
from support.notifier_script import SCRIPT, ScriptRunner, account_settings, clean_environment, icinga_args

from sipgate_notify import config as config_module
from sipgate_notify import settings_cache
from sipgate_notify.cli import main, refuse_secrets
from sipgate_notify.config import ConfigError, load, with_token
from sipgate_notify.message import DEFAULT_TEMPLATE

SYSTEM_PYTHON = "/usr/bin/python3"
INI = """\
[sipgate]
token_id = token-FILE
token = file-secret
sms_id = s1
api_url = http://127.0.0.1:1/v2

[notify]
template = %% {type} {subject} {state}
max_segments = 2
dedup_window = 60
budget = 3
budget_window = 120
state_dir = STATE_DIR
recipients = +4915799912345, +4915799912346
"""


def write_ini(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "notify.ini"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_file_settings_are_read(tmp_path: Path) -> None:
    path = write_ini(tmp_path, INI.replace("STATE_DIR", str(tmp_path / "state")))
    settings = load(str(path), {})
    assert (settings.token_id, settings.token, settings.sms_id, settings.api_url) == ("token-FILE", "file-secret", "s1", "http://127.0.0.1:1/v2")
    assert settings.template == "%% {type} {subject} {state}"  # no interpolation: '%' is literal
    assert (settings.max_segments, settings.dedup_window, settings.budget, settings.budget_window) == (2, 60.0, 3, 120.0)
    assert settings.recipients == ("+4915799912345", "+4915799912346") and settings.state_dir == str(tmp_path / "state")
    assert "file-secret" not in repr(settings)


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write_ini(tmp_path, INI.replace("STATE_DIR", "/nowhere"))
    settings = load(str(path), {"SIPGATE_TOKEN": "env-secret", "SIPGATE_SMS_STATE_DIR": str(tmp_path), "SIPGATE_SMS_ID": "s0"})
    assert (settings.token_id, settings.token, settings.sms_id, settings.state_dir) == ("token-FILE", "env-secret", "s0", str(tmp_path))


@pytest.mark.parametrize("mode, who", [(0o640, "its group"), (0o604, "everyone"), (0o644, "group and others")])
def test_a_file_others_can_read_is_refused_with_the_fix(tmp_path: Path, mode: int, who: str) -> None:
    path = write_ini(tmp_path, INI.replace("STATE_DIR", "/tmp"), mode)
    with pytest.raises(ConfigError) as refused:
        load(str(path), {})
    assert who in str(refused.value) and "chmod 600 {0}".format(path) in str(refused.value)
    assert "file-secret" not in str(refused.value)


def test_a_missing_explicit_file_is_an_error_but_the_default_may_be_absent(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load(str(tmp_path / "absent.ini"), {})
    assert load(None, {"SIPGATE_TOKEN_ID": "token-X"}).token_id == "token-X"


def test_an_empty_template_means_the_default(tmp_path: Path) -> None:
    assert load(str(write_ini(tmp_path, "[notify]\ntemplate =\n")), {}).template == DEFAULT_TEMPLATE


@pytest.mark.parametrize("line, problem", [("budget = none", "not a number"), ("max_segments = 0", "at least 1"),
                                           ("template = {bogus}", "not a field"), ("colour = blue", "unknown setting")])
def test_bad_settings_are_refused_by_name(tmp_path: Path, line: str, problem: str) -> None:
    path = write_ini(tmp_path, "[notify]\n" + line + "\n")
    with pytest.raises(ConfigError, match=problem):
        load(str(path), {})


def test_the_script_refuses_a_settings_file_others_can_read_and_sends_once_it_is_0600(
        script_factory: Callable[..., ScriptRunner], sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = script_factory()  # the credentials are in the file only
    config = write_ini(tmp_path, "[sipgate]\ntoken_id = {0}\ntoken = {1}\nsms_id = {2}\napi_url = {3}\n".format(TOKEN_ID, TOKEN, SMS_ID, sipgate_sim.url),
                       0o644)
    refused = runner(["--config", str(config), *icinga_args()])
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "chmod 600 {0}".format(config) in refused.stderr, refused.stderr
    assert TOKEN not in refused.stdout + refused.stderr
    assert sipgate_sim.sent_sms() == []

    config.chmod(0o600)
    accepted = runner(["--config", str(config), *icinga_args()])
    assert accepted.returncode == 0, (accepted.stdout, accepted.stderr)
    assert len(sipgate_sim.sent_sms()) == 1


@pytest.mark.parametrize("argument", ["--token", "--token=abc", "--token-id", "--password", "--access-token", "--access-token=x"])
def test_secrets_on_the_command_line_are_refused_before_anything_is_sent(argument: str, sipgate_sim, state_dir: Path,  # type: ignore[no-untyped-def]
                                                                         capsys: pytest.CaptureFixture) -> None:
    assert refuse_secrets([argument]) is not None
    env = dict(account_settings(sipgate_sim.url), SIPGATE_SMS_STATE_DIR=str(state_dir))
    assert main([argument, "abc", "-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"], env=env) == 2
    assert "never taken from the command line" in capsys.readouterr().err
    assert sipgate_sim.requests() == []


def test_refused_settings_exit_2_and_journal_the_alert(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = {"SIPGATE_SMS_STATE_DIR": str(state), "SIPGATE_SMS_ID": "s0"}  # no credentials
    empty = str(write_ini(tmp_path, "[notify]\n"))  # not the machine's own settings file, which may hold some
    assert main(["--config", empty, "-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"], env=env) == 2
    assert "token_id" in capsys.readouterr().err
    journal = (state / "journal.jsonl").read_text(encoding="utf-8")
    assert '"event": "failed"' in journal and '"host": "web01"' in journal


@pytest.mark.parametrize("settings, alert", [
    ("[notify]\nbudget = five\n", ["-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"]),
    ("[notify]\n", ["-t", "", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"]),
])
def test_an_alert_refused_before_its_settings_are_read_is_journaled(
        tmp_path: Path, capsys: pytest.CaptureFixture, settings: str, alert: list) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = {"SIPGATE_SMS_STATE_DIR": str(state), "SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN}
    assert main(["--config", str(write_ini(tmp_path, settings)), *alert], env=env) == 2
    assert capsys.readouterr().err
    [entry] = [json.loads(line) for line in (state / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (entry["event"], entry["host"], entry["recipient"]) == ("failed", "web01", "+4915799912345"), entry


def test_a_flush_refused_for_its_settings_journals_no_alert(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir()
    assert main(["--config", str(write_ini(tmp_path, "[notify]\nbudget = five\n")), "--flush"],
                env={"SIPGATE_SMS_STATE_DIR": str(state)}) == 2
    assert "budget" in capsys.readouterr().err and not (state / "journal.jsonl").exists()


def test_no_alert_and_no_flush_is_bad_input(capsys: pytest.CaptureFixture) -> None:
    assert main([], env={}) == 2
    assert "no alert" in capsys.readouterr().err


def test_help_documents_options_settings_and_exit_codes(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as finished:
        main(["--help"], env={})
    assert finished.value.code == 0
    text = capsys.readouterr().out
    for word in ("--config", "--flush", "--dry-run", "-t", "-r", "SIPGATE_TOKEN_ID", "SIPGATE_SMS_STATE_DIR", "chmod 600",
                 "max_segments", "dedup_window", "budget_window", "journal.jsonl", "exit codes", "temporary:", "permanent:", "delivery unknown", "quarantined"):
        assert word in text


@pytest.mark.parametrize("line, problem", [
    ("dedup_window = nan", "dedup_window = 'nan' is not a finite number"),
    ("dedup_window = -1", "dedup_window = '-1' is less than 0"),
    ("budget_window = inf", "budget_window = 'inf' is not a finite number"),
    ("budget_window = -600", "budget_window = '-600' is less than 1"),
    ("spool_max_age = -Infinity", "spool_max_age = '-Infinity' is not a finite number"),
    ("spool_max_age = 1e999", "spool_max_age = '1e999' is not a finite number"),
    ("budget = -5", "budget = '-5' is less than 1"),
    ("max_segments = -1", "max_segments = '-1' is less than 1"),
    ("max_segments = nan", "max_segments = 'nan' is not a number"),
])
def test_nan_infinite_and_negative_numbers_are_refused_naming_key_and_fix(tmp_path: Path, line: str, problem: str) -> None:
    path = write_ini(tmp_path, "[notify]\n" + line + "\n")
    with pytest.raises(ConfigError) as refused:
        load(str(path), {})
    key = line.split(" =", 1)[0]
    assert str(refused.value).startswith(problem)
    assert "number of" in str(refused.value) and "e.g. {0} = ".format(key) in str(refused.value)


def test_a_nan_dedup_window_stops_the_run_with_exit_2_before_any_state_and_journals_the_alert(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir()
    settings = write_ini(tmp_path, "[notify]\ndedup_window = nan\n")
    env = {"SIPGATE_SMS_STATE_DIR": str(state), "SIPGATE_TOKEN_ID": "token-X", "SIPGATE_TOKEN": "t", "SIPGATE_SMS_ID": "s0",
           "SIPGATE_API_URL": "http://127.0.0.1:1/v2"}
    assert main(["--config", str(settings), "-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"], env=env) == 2
    assert "dedup_window = 'nan' is not a finite number" in capsys.readouterr().err
    # No state is made; the refused alert is journaled.
    assert [path.name for path in state.iterdir()] == ["journal.jsonl"]
    assert '"event": "failed"' in (state / "journal.jsonl").read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() != 0, reason="running as another user needs root")
def test_a_settings_file_behind_a_folder_the_user_may_not_enter_is_named_in_the_error(tmp_path: Path) -> None:
    hidden = tmp_path / "root-only"
    hidden.mkdir(mode=0o700)
    done = subprocess.run([SYSTEM_PYTHON, str(SCRIPT), "--config", str(hidden / "notify.ini"), "-t", "PROBLEM", "-l", "web01", "-s", "DOWN"],
                          env=clean_environment(), capture_output=True, text=True, timeout=60, check=False, user=65534, group=65534, cwd="/")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot read the settings file {0} ([Errno 13] Permission denied".format(hidden / "notify.ini") in done.stderr


# The settings cache: configparser's values kept in the state directory until the file changes.

def cached_settings_file(folder: Path, monkeypatch: pytest.MonkeyPatch, text: str = INI) -> Path:
    """A settings file that the cache may keep at once (as if it had been written a while ago)."""
    monkeypatch.setattr(settings_cache, "RACY_SECONDS", 0.0)
    return write_ini(folder, text.replace("STATE_DIR", str(folder / "state")))


def parsing_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(path: str) -> None:
        raise AssertionError("configparser read {0}".format(path))
    monkeypatch.setattr(config_module, "read_file", parse)


def test_an_unchanged_settings_file_is_taken_from_the_cache_and_its_token_read_only_to_send(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cached_settings_file(tmp_path, monkeypatch)
    env = {"SIPGATE_SMS_STATE_DIR": str(tmp_path / "state")}
    read = load(str(path), env, cached=True)
    cache = (tmp_path / "state" / settings_cache.CACHE_FILE).read_text(encoding="utf-8")
    assert "file-secret" not in cache and '"token_given":true' in cache and "budget" in cache

    with monkeypatch.context() as patched:
        parsing_forbidden(patched)
        cached = load(str(path), env, cached=True)
    assert cached.token is None and cached.has_token and cached.replace(token="file-secret") == read.replace(settings_file=str(path))
    assert with_token(cached).token == "file-secret" and "file-secret" not in repr(cached)
    assert load(str(path), dict(env, SIPGATE_TOKEN="env-secret"), cached=True).token == "env-secret"


def test_a_changed_settings_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cached_settings_file(tmp_path, monkeypatch)
    env = {"SIPGATE_SMS_STATE_DIR": str(tmp_path / "state")}
    assert load(str(path), env, cached=True).budget == 3
    changed = path.read_text(encoding="utf-8").replace("budget = 3", "budget = 4")  # the same size
    path.write_text(changed, encoding="utf-8")
    os.utime(str(path), ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert load(str(path), env, cached=True).budget == 4
    path.chmod(0o640)
    with pytest.raises(ConfigError, match="chmod 600"):
        load(str(path), env, cached=True)


def test_a_settings_file_that_just_changed_is_not_kept(tmp_path: Path) -> None:
    path = write_ini(tmp_path, INI.replace("STATE_DIR", str(tmp_path / "state")))
    assert load(str(path), {"SIPGATE_SMS_STATE_DIR": str(tmp_path / "state")}, cached=True).budget == 3
    assert not (tmp_path / "state" / settings_cache.CACHE_FILE).exists()


def test_the_cache_is_kept_only_in_the_state_directory_the_settings_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cached_settings_file(tmp_path, monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    assert load(str(path), {"SIPGATE_SMS_STATE_DIR": str(elsewhere)}, cached=True).state_dir == str(elsewhere)
    assert (elsewhere / settings_cache.CACHE_FILE).exists()
    # Without SIPGATE_SMS_STATE_DIR the cache would be looked for in the default folder, which these settings do not use.
    monkeypatch.setattr(config_module, "DEFAULT_STATE_DIR", str(tmp_path / "default"))
    assert load(str(path), {}, cached=True).state_dir == str(tmp_path / "state")
    assert not (tmp_path / "default").exists() and not (tmp_path / "state").exists()


def test_a_broken_cache_is_read_past_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cached_settings_file(tmp_path, monkeypatch)
    env = {"SIPGATE_SMS_STATE_DIR": str(tmp_path / "state")}
    (tmp_path / "state").mkdir()
    for broken in ("{", "[]", json.dumps({str(path): {"identity": "x"}}), json.dumps({str(path): {"identity": [], "values": {"token": "x"}}})):
        (tmp_path / "state" / settings_cache.CACHE_FILE).write_text(broken, encoding="utf-8")
        assert load(str(path), env, cached=True).token == "file-secret"
    assert "identity" in (tmp_path / "state" / settings_cache.CACHE_FILE).read_text(encoding="utf-8")


def test_alerts_sent_with_cached_settings_authenticate_with_the_token_from_the_file(
        installed: ScriptRunner, settings_files: dict, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    config = settings_files["default"]
    for host in ("web01", "web02"):
        done = installed([*config, *icinga_args(host=host)])
        assert done.returncode == 0, done.stderr
    assert installed.events() == ["sent", "sent"] and len(sipgate_sim.sent_sms()) == 2
    cache = (installed.state_dir / settings_cache.CACHE_FILE).read_text(encoding="utf-8")
    assert config[1] in cache and TOKEN not in cache


def test_https_without_checking_the_certificate_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    settings = write_ini(tmp_path, "[sipgate]\napi_url = https://api.sipgate.com/v2\nvalidate_certs = no\n")
    env = {"SIPGATE_SMS_STATE_DIR": str(tmp_path / "state"), "SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_SMS_ID": SMS_ID}
    assert main(["--config", str(settings), "--dry-run", "-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "+4915799912345"], env=env) == 0
    assert "warning: validate_certs is off" in capsys.readouterr().err
