"""build_userdata and userdata_settings: the MIME cloud-init receives, and where it comes from."""

import base64
import dataclasses
import email
import importlib.resources
import json

import pytest
import yaml
from oslo_config import cfg

from heat.common.exception import InvalidInput
from heat.engine import userdata
from heat.engine.userdata import (
    MAX_USERDATA_SIZE,
    UserdataSettings,
    build_userdata,
    decode_user_data,
    userdata_settings,
)

SETTINGS = UserdataSettings(
    metadata_server_url="http://heat.example.org:8000",
    waitcondition_server_url="http://heat.example.org:8000/v1/waitcondition",
    watch_server_url="https://watch.example.org:8003",
    connection_is_secure=True,
    https_validate_certificates=False,
    instance_user="fedora",
)
SCRIPT = "#!/bin/bash -v\nyum -y install httpd\nsystemctl start httpd.service\n"
METADATA = {"AWS::CloudFormation::Init": {"config": {"packages": {"yum": {"httpd": []}}}}}


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _parts(mime):
    """[(content type, filename, decoded text)] of a built message, in order."""
    message = email.message_from_string(mime)
    assert message.get_content_type() == "multipart/mixed"
    return [
        (
            part.get_content_type(),
            part.get_filename(),
            part.get_payload(decode=True).decode(part.get_content_charset()),
        )
        for part in message.get_payload()
    ]


def _guest_file(name):
    return importlib.resources.files("heat.cloudinit").joinpath(name).read_text("utf-8")


def test_parts_in_order_with_types_and_filenames():
    built = build_userdata(SETTINGS, _b64(SCRIPT), METADATA)

    assert [(ctype, filename) for ctype, filename, _ in _parts(built.mime)] == [
        ("text/cloud-config", "cloud-config"),
        ("text/cloud-boothook", "boothook.sh"),
        ("text/part-handler", "part-handler.py"),
        ("text/x-cfninitdata", "cfn-userdata"),
        ("text/x-shellscript", "loguserdata.py"),
        ("text/x-cfninitdata", "cfn-init-data"),
        ("text/x-cfninitdata", "cfn-watch-server"),
        ("text/x-cfninitdata", "cfn-metadata-server"),
        ("text/x-cfninitdata", "cfn-boto-cfg"),
    ]
    # cloud-init reads the filename from an attachment disposition.
    message = email.message_from_string(built.mime)
    assert [p["Content-Disposition"] for p in message.get_payload()][:2] == [
        'attachment; filename="cloud-config"',
        'attachment; filename="boothook.sh"',
    ]


def test_part_contents():
    built = build_userdata(SETTINGS, _b64(SCRIPT), METADATA)
    contents = {filename: text for _, filename, text in _parts(built.mime)}

    assert contents["boothook.sh"] == _guest_file("boothook.sh")
    assert contents["part-handler.py"] == _guest_file("part_handler.py")
    assert contents["loguserdata.py"] == _guest_file("loguserdata.py")
    assert contents["cfn-userdata"] == SCRIPT
    assert json.loads(contents["cfn-init-data"]) == METADATA
    assert contents["cfn-watch-server"] == "https://watch.example.org:8003"
    assert contents["cfn-metadata-server"] == "http://heat.example.org:8000"
    assert contents["cfn-boto-cfg"] == (
        "[Boto]\n"
        "debug = 0\n"
        "is_secure = True\n"
        "https_validate_certificates = False\n"
        "cfn_region_name = heat\n"
        "cfn_region_endpoint = heat.example.org\n"
        "cloudwatch_region_name = heat\n"
        "cloudwatch_region_endpoint = watch.example.org\n"
    )


def test_cloud_config_names_the_instance_user():
    built = build_userdata(SETTINGS, _b64(SCRIPT), None)
    config = _parts(built.mime)[0][2]

    assert config.startswith("#cloud-config\n")
    assert "${" not in config
    assert yaml.safe_load(config) == {
        "user": {"name": "fedora"},
        "disable_root": True,
        "manage_etc_hosts": True,
        "cloud_config_modules": ["locale", "set-passwords", "timezone", "runcmd"],
    }


def test_metadata_part_only_when_metadata_given():
    without = [name for _, name, _ in _parts(build_userdata(SETTINGS, _b64(SCRIPT), None).mime)]
    empty = [name for _, name, _ in _parts(build_userdata(SETTINGS, _b64(SCRIPT), {}).mime)]

    assert "cfn-init-data" not in without
    assert len(without) == 8
    assert empty[5] == "cfn-init-data"


def test_empty_metadata_is_sent_as_an_empty_object():
    contents = {n: t for _, n, t in _parts(build_userdata(SETTINGS, None, {}).mime)}
    assert contents["cfn-init-data"] == "{}"


def test_base64_user_data_is_decoded_and_not_flagged():
    built = build_userdata(SETTINGS, _b64(SCRIPT), None)

    assert built.plain_text_user_data is False
    assert _parts(built.mime)[3][2] == SCRIPT


def test_plain_text_user_data_is_used_as_is_and_flagged():
    built = build_userdata(SETTINGS, SCRIPT, None)

    assert built.plain_text_user_data is True
    assert _parts(built.mime)[3][2] == SCRIPT


def test_no_user_data_gives_an_empty_part():
    for missing in (None, ""):
        built = build_userdata(SETTINGS, missing, None)
        assert built.plain_text_user_data is False
        assert _parts(built.mime)[3] == ("text/x-cfninitdata", "cfn-userdata", "")


def test_non_ascii_user_data_survives():
    script = "#!/bin/sh\necho 'Grüße, 世界'\n"
    built = build_userdata(SETTINGS, _b64(script), {"motd": "Grüße"})
    contents = {n: t for _, n, t in _parts(built.mime)}

    assert contents["cfn-userdata"] == script
    assert json.loads(contents["cfn-init-data"]) == {"motd": "Grüße"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # Line-wrapped base64 (as some tools emit it) is still base64.
        (
            base64.encodebytes(b"#!/bin/sh\necho wrapped\n").decode(),
            ("#!/bin/sh\necho wrapped\n", False),
        ),
        # Valid base64 alphabet, but the bytes are not text: a word, not an encoding.
        ("true", ("true", True)),
        ("hello world", ("hello world", True)),
        ("aGVsbG8=", ("hello", False)),
        ("", ("", False)),
        (None, ("", False)),
    ],
)
def test_decode_user_data(given, expected):
    assert decode_user_data(given) == expected


def test_same_inputs_give_identical_user_data():
    first = build_userdata(SETTINGS, _b64(SCRIPT), METADATA).mime
    second = build_userdata(SETTINGS, _b64(SCRIPT), METADATA).mime
    other = build_userdata(SETTINGS, _b64(SCRIPT + "echo done\n"), METADATA).mime

    assert first == second
    assert first.splitlines()[0] != other.splitlines()[0]  # the boundary follows the content


def _base_size():
    """Bytes of the message with empty user data and no metadata."""
    return len(build_userdata(SETTINGS, None, None).mime.encode("utf-8"))


def test_size_limit_is_nova_limit_after_base64():
    # base64 turns every 3 bytes into 4: 49149 bytes encode to 65532, 49150 to 65536.
    largest = MAX_USERDATA_SIZE // 4 * 3
    fits = "x" * (largest - _base_size())

    built = build_userdata(SETTINGS, fits, None)
    assert len(base64.b64encode(built.mime.encode("utf-8"))) == 65532

    with pytest.raises(InvalidInput) as raised:
        build_userdata(SETTINGS, fits + "x", None)
    assert raised.value.message == (
        "The server's user data is 65536 bytes after base64 encoding (UserData and "
        "Metadata included); Nova accepts at most 65535 bytes."
    )
    assert raised.value.status == 400


def test_metadata_counts_towards_the_limit():
    with pytest.raises(InvalidInput, match=r"^The server's user data is \d+ bytes"):
        build_userdata(SETTINGS, None, {"blob": "y" * MAX_USERDATA_SIZE})


@pytest.fixture
def conf():
    conf = cfg.ConfigOpts()
    conf([], project="heat-test", default_config_files=[], default_config_dirs=[])
    conf.register_opts(userdata.OPTS)
    return conf


def test_settings_defaults(conf):
    assert userdata_settings(conf) == UserdataSettings(
        metadata_server_url="http://127.0.0.1:8000",
        waitcondition_server_url="http://127.0.0.1:8000/v1/waitcondition",
        watch_server_url="http://127.0.0.1:8003",
        connection_is_secure=False,
        https_validate_certificates=True,
        instance_user="ec2-user",
    )


def test_settings_derive_urls_from_the_api_host(conf):
    conf.set_override("heat_api_host", "192.0.2.10")
    settings = userdata_settings(conf)

    assert settings.metadata_server_url == "http://192.0.2.10:8000"
    assert settings.waitcondition_server_url == "http://192.0.2.10:8000/v1/waitcondition"
    assert settings.watch_server_url == "http://192.0.2.10:8003"


def test_settings_use_the_ports_the_apis_listen_on(conf):
    settings = userdata_settings(conf, cfn_port=41000, cloudwatch_port=41003)

    assert settings.metadata_server_url == "http://127.0.0.1:41000"
    assert settings.waitcondition_server_url == "http://127.0.0.1:41000/v1/waitcondition"
    assert settings.watch_server_url == "http://127.0.0.1:41003"


def test_settings_bracket_an_ipv6_api_host(conf):
    conf.set_override("heat_api_host", "2001:db8::5")
    settings = userdata_settings(conf)

    assert settings.metadata_server_url == "http://[2001:db8::5]:8000"
    assert settings.watch_server_url == "http://[2001:db8::5]:8003"
    boto = _parts(build_userdata(settings, None, None).mime)[-1][2]
    assert "cfn_region_endpoint = 2001:db8::5\n" in boto


def test_settings_explicit_values_win(conf):
    conf.set_override("heat_api_host", "192.0.2.10")
    conf.set_override("heat_metadata_server_url", "https://cfn.example.org")
    conf.set_override("heat_waitcondition_server_url", "https://cfn.example.org/v1/waitcondition")
    conf.set_override("heat_watch_server_url", "https://cw.example.org")
    conf.set_override("instance_connection_is_secure", True)
    conf.set_override("instance_connection_https_validate_certificates", False)
    conf.set_override("instance_user", "centos")

    assert userdata_settings(conf) == UserdataSettings(
        metadata_server_url="https://cfn.example.org",
        waitcondition_server_url="https://cfn.example.org/v1/waitcondition",
        watch_server_url="https://cw.example.org",
        connection_is_secure=True,
        https_validate_certificates=False,
        instance_user="centos",
    )


def test_settings_registers_its_options_itself():
    conf = cfg.ConfigOpts()
    conf([], project="heat-test", default_config_files=[], default_config_dirs=[])
    assert userdata_settings(conf).instance_user == "ec2-user"


def test_bad_instance_user_in_config_is_refused(tmp_path):
    config_file = tmp_path / "heat.conf"
    config_file.write_text("[DEFAULT]\ninstance_user = ec2 user\n")
    conf = cfg.ConfigOpts()
    conf.register_opts(userdata.OPTS)
    conf(["--config-file", str(config_file)], project="heat-test")

    with pytest.raises(cfg.ConfigFileValueError, match="instance_user"):
        userdata_settings(conf)


@pytest.mark.parametrize("name", ["ec2 user", "root\nruncmd: [reboot]", "Admin", "", "a" * 33])
def test_bad_instance_user_in_settings_is_refused(name):
    with pytest.raises(ValueError, match="is not a valid user name"):
        dataclasses.replace(SETTINGS, instance_user=name)


def test_options_are_listed_for_the_sample_config():
    from heat import opts

    names = [
        opt.name for group, group_opts in opts.list_opts() if group is None for opt in group_opts
    ]
    for opt in userdata.OPTS:
        assert opt.name in names
