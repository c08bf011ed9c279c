"""What heat-api, heat-api-cfn, heat-api-cloudwatch and heat-engine say and return when they
cannot start (heat.cmd.service_main); test_api_engine.py runs them serving on RabbitMQ."""

from __future__ import annotations

import errno
import importlib.util
import os
import socket

import pytest

from heat.cmd import api, api_cfn, api_cloudwatch, engine

COMMANDS = [
    ("heat-api", api.main),
    ("heat-api-cfn", api_cfn.main),
    ("heat-api-cloudwatch", api_cloudwatch.main),
    ("heat-engine", engine.main),
]
ADDRESS_IN_USE = os.strerror(errno.EADDRINUSE)


def _conf(tmp_path, extra: str = "") -> str:
    path = tmp_path / "heat.conf"
    # Nothing here connects to the broker: the commands fail before they would.
    path.write_text(
        f"""[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:1/
[database]
connection = sqlite:///{tmp_path}/heat.sqlite
{extra}"""
    )
    return str(path)


@pytest.mark.parametrize(("prog", "main"), COMMANDS)
def test_a_missing_config_file_is_a_configuration_error(prog, main, tmp_path, capsys):
    missing = tmp_path / "nowhere.conf"
    assert main(["--config-file", str(missing)]) == 2
    assert capsys.readouterr() == ("", f"{prog}: Failed to find some config files: {missing}\n")


@pytest.mark.parametrize(
    ("prog", "main", "reason"),
    [
        ("heat-api", api.main, ADDRESS_IN_USE),
        ("heat-api-cfn", api_cfn.main, f"[Errno {errno.EADDRINUSE}] {ADDRESS_IN_USE}"),
        (
            "heat-api-cloudwatch",
            api_cloudwatch.main,
            f"[Errno {errno.EADDRINUSE}] {ADDRESS_IN_USE}",
        ),
    ],
)
def test_an_address_in_use_exits_1(prog, main, reason, tmp_path, capsys):
    conf = _conf(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["--config-file", conf, "--host", "127.0.0.1", "--port", str(port)])
    assert status == 1
    assert capsys.readouterr() == ("", f"{prog}: cannot listen on 127.0.0.1:{port}: {reason}\n")


def test_engine_with_incomplete_cloud_credentials_is_a_configuration_error(tmp_path, capsys):
    conf = _conf(tmp_path, "[cloud]\nauth_url = http://keystone.example.com:5000/v3\n")
    assert engine.main(["--config-file", conf]) == 2
    assert capsys.readouterr() == (
        "",
        "heat-engine: value required for option username in group [cloud]\n",
    )


@pytest.mark.skipif(
    importlib.util.find_spec("keystonemiddleware") is not None,
    reason="keystonemiddleware is installed: auth_mode = keystone can start",
)
def test_keystone_auth_mode_without_keystonemiddleware_is_a_configuration_error(tmp_path, capsys):
    conf = _conf(tmp_path, "[DEFAULT]\nauth_mode = keystone\n")
    assert api.main(["--config-file", conf, "--host", "127.0.0.1", "--port", "0"]) == 2
    assert capsys.readouterr() == ("", "heat-api: No module named 'keystonemiddleware'\n")
