# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The receiver's settings: --serve's address, [serve], [receivers], and the option on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import support.notifier_script  # noqa: F401  # pylint: disable=unused-import  # makes the notifier's packages importable
from receiver_process import settings_text
from sipgate_notify import alertmanager, cli, serve_settings  # pylint: disable=import-error
from sipgate_notify.config import ConfigError  # pylint: disable=import-error
from sipgate_notify.serve_settings import ServeSettings, check_exposure, check_numbers, load, parse_listen  # pylint: disable=import-error

TOKEN = "a-bearer-token-of-enough-length"


def settings_file(tmp_path: Path, **sections: dict) -> str:
    path = tmp_path / "notify.ini"
    path.write_text(settings_text(sections), encoding="utf-8")
    path.chmod(0o600)
    return str(path)


@pytest.mark.parametrize("text, address, loopback", [
    ("9826", ("127.0.0.1", 9826), True),
    ("127.0.0.1:9826", ("127.0.0.1", 9826), True),
    ("localhost:9826", ("127.0.0.1", 9826), True),
    ("[::1]:9826", ("::1", 9826), True),
    ("0.0.0.0:9826", ("0.0.0.0", 9826), False),
    (":9826", ("0.0.0.0", 9826), False),
    ("[::]:9826", ("::", 9826), False),
])
def test_listen_addresses_are_read_and_loopback_told_apart(text: str, address: tuple, loopback: bool) -> None:
    listen = parse_listen(text)
    assert (listen.address, listen.loopback) == (address, loopback)


@pytest.mark.parametrize("text", ["", "web", "127.0.0.1:", "127.0.0.1:70000", "1.2.3.4:5:6", "no-such-host.invalid:9826"])
def test_a_bad_listen_address_is_refused_with_the_form(text: str) -> None:
    with pytest.raises(ConfigError, match="--serve"):
        parse_listen(text)


def test_beyond_loopback_a_bearer_token_is_required() -> None:
    with pytest.raises(ConfigError, match=r"beyond loopback needs \[serve\] bearer_token"):
        check_exposure(parse_listen("0.0.0.0:9826"), ServeSettings())
    check_exposure(parse_listen("0.0.0.0:9826"), ServeSettings(bearer_token=TOKEN))
    check_exposure(parse_listen("127.0.0.1:9826"), ServeSettings())


def test_serve_and_receivers_are_read_from_the_settings_file(tmp_path: Path) -> None:
    path = settings_file(tmp_path, serve={"bearer_token": TOKEN, "flush_interval": 5},
                         receivers={"OnCall": "+4915799912345, 0157 99912346", "db-team": "+4915799912347"})
    loaded = load(path)
    assert (loaded.bearer_token, loaded.flush_interval) == (TOKEN, 5.0)
    assert loaded.numbers_of("oncall") == loaded.numbers_of("ONCALL") == ("+4915799912345", "0157 99912346")
    assert loaded.numbers_of("nobody") == ()
    assert TOKEN not in repr(loaded) and "bearer_token=set" in repr(loaded)


@pytest.mark.parametrize("sections, named", [
    ({"serve": {"bearer_tokn": TOKEN}}, "unknown setting 'bearer_tokn' in [serve]"),
    ({"serve": {"bearer_token": "short"}}, "at least 16 printable ASCII characters"),
    ({"serve": {"bearer_token": "sixteen chars with spaces"}}, "without spaces"),
    ({"serve": {"flush_interval": "0"}}, "flush_interval = '0' is less than 1"),
    ({"receivers": {"oncall": " , "}}, "[receivers] oncall has no number"),
])
def test_bad_receiver_settings_are_refused_naming_them(tmp_path: Path, sections: dict, named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load(settings_file(tmp_path, **sections))
    assert named in str(refused.value)


def test_receiver_numbers_are_checked_before_any_notification_needs_them() -> None:
    with pytest.raises(ConfigError, match=r"\[receivers\] oncall"):
        check_numbers(ServeSettings(receivers={"oncall": ("+4915799912345", "12")}), "DE")
    check_numbers(ServeSettings(receivers={"oncall": ("0157 99912345",)}), "DE")


def test_a_missing_default_settings_file_means_no_token_and_no_receivers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(serve_settings, "DEFAULT_CONFIG_FILE", str(tmp_path / "absent.ini"))
    assert load(None) == ServeSettings()


@pytest.mark.parametrize("argv, value", [
    (["--serve"], alertmanager.DEFAULT_LISTEN),
    (["--serve", "9826"], "9826"),
    (["--serve=0.0.0.0:9826"], "0.0.0.0:9826"),
    (["--serve", "--config", "/etc/x.ini"], alertmanager.DEFAULT_LISTEN),
    (["--config", "/etc/x.ini", "--serve", "[::1]:9826"], "[::1]:9826"),
    ([], None),
])
def test_serve_takes_an_optional_address(argv: list, value: str) -> None:
    options, unknown = cli.parser().parse_known_args(argv)
    assert (options.serve, unknown) == (value, [])


def test_serve_with_an_alert_is_refused(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["--serve", "-t", "PROBLEM", "-l", "web01", "-s", "DOWN"], env={}) == 2
    assert "--serve runs the webhook receiver: give it no alert" in capsys.readouterr().err
