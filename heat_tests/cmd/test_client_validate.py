"""Tests for `heat template-validate --offline`: output, exit codes, -P parsing, errors."""

import json
import os
import subprocess
import sys

import pytest

from heat.cmd import client

HEAT = os.path.join(os.path.dirname(sys.executable), "heat")

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Description: A web server
Parameters:
  KeyName:
    Type: String
    Description: SSH key
  Size:
    Type: String
    Default: m1.small
    AllowedValues: [m1.small, m1.large]
    ConstraintDescription: a known size
  Password:
    Type: String
    NoEcho: true
    Default: secret
  Count:
    Type: Number
    Default: 2
    MinValue: 1
Resources:
  R:
    Type: OS::Heat::TestResource
    Properties:
      value: !Ref Size
"""


@pytest.fixture
def template(tmp_path):
    def write(text=TEMPLATE, name="t.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def run(capsys, *argv):
    code = client.main(["template-validate", "--offline", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_summary(capsys, template):
    code, out, err = run(capsys, "-f", template())
    assert (code, err) == (0, "")
    assert out == (
        "Description: A web server\n"
        "Parameters:\n"
        "  KeyName:\n"
        "    Type: String\n"
        "    NoEcho: False\n"
        "    Description: SSH key\n"
        "  Size:\n"
        "    Type: String\n"
        "    NoEcho: False\n"
        "    Description: \n"
        "    Default: m1.small\n"
        "    AllowedValues: m1.small, m1.large\n"
        "    ConstraintDescription: a known size\n"
        "  Password:\n"
        "    Type: String\n"
        "    NoEcho: True\n"
        "    Description: \n"
        "    Default: ******\n"
        "  Count:\n"
        "    Type: Number\n"
        "    NoEcho: False\n"
        "    Description: \n"
        "    Default: 2\n"
    )


def test_json_summary(capsys, template):
    code, out, err = run(capsys, "-f", template(), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "Description": "A web server",
        "Parameters": {
            "KeyName": {"Type": "String", "NoEcho": False, "Description": "SSH key"},
            "Size": {
                "Type": "String",
                "NoEcho": False,
                "Description": "",
                "Default": "m1.small",
                "AllowedValues": ["m1.small", "m1.large"],
                "ConstraintDescription": "a known size",
            },
            "Password": {"Type": "String", "NoEcho": True, "Description": "", "Default": "******"},
            "Count": {"Type": "Number", "NoEcho": False, "Description": "", "Default": "2"},
        },
    }


def test_no_parameters(capsys, template):
    code, out, _ = run(capsys, "-f", template("Resources:\n  R: {Type: OS::Heat::None}\n"))
    assert (code, out) == (0, "Description: \nParameters: none\n")


@pytest.mark.parametrize(
    "specs, expected",
    [
        ([], {}),
        (["K=V"], {"K": "V"}),
        (["K=V;K2=V2"], {"K": "V", "K2": "V2"}),
        (["K=V", "K2=V2;K3="], {"K": "V", "K2": "V2", "K3": ""}),
        (["K=a=b"], {"K": "a=b"}),
        ([" K =v ;; "], {"K": "v "}),
        (["K=1", "K=2"], {"K": "2"}),
    ],
)
def test_parse_parameters(specs, expected):
    assert client.parse_parameters(specs) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("K", 'malformed parameter "K": expected KEY=VALUE'),
        ("K=V;oops", 'malformed parameter "oops": expected KEY=VALUE'),
        ("=V", 'malformed parameter "=V": expected KEY=VALUE'),
    ],
)
def test_malformed_parameters(capsys, template, spec, message):
    with pytest.raises(client.UsageError) as caught:
        client.parse_parameters([spec])
    assert str(caught.value) == message
    code, out, err = run(capsys, "-f", template(), "-P", spec)
    assert (code, out, err) == (1, "", f"ERROR: {message}\n")


@pytest.mark.parametrize(
    "params, out",
    [
        (
            ["-P", "Size=m1.huge;Count=0", "-P", "KeyName=k"],
            'Parameters.Size: value "m1.huge" is not one of the allowed values '
            '["m1.small", "m1.large"]: a known size (line 7:3)  [invalid-parameter-value]\n'
            'Parameters.Count: value "0" is less than the minimum value of 1 (line 16:3)'
            "  [invalid-parameter-value]\n",
        ),
        (
            ["-P", "Colour=red"],
            "Parameters.Colour: a value was given but the template declares no such parameter"
            " (line 3:1)  [unknown-parameter]\n",
        ),
    ],
)
def test_parameter_value_findings(capsys, template, params, out):
    assert run(capsys, "-f", template(), *params) == (1, out, "")


def test_parameter_values_given(capsys, template):
    code, out, err = run(capsys, "-f", template(), "-P", "KeyName=k;Size=m1.large")
    assert (code, err) == (0, "")
    assert out.startswith("Description: A web server\n")


BROKEN = """\
Resources:
  A:
    Type: OS::Heat::TestResource
    Properties:
      valeu: x
  B: {Type: AWS::EC2::Nothing, DependsOn: Nope}
"""


def test_findings_one_per_line_with_code(capsys, template):
    code, out, err = run(capsys, "-f", template(BROKEN))
    assert (code, err) == (1, "")
    assert out == (
        'Resources.A.Properties.valeu: unknown property "valeu" (did you mean "value"?) '
        "(line 5:7)  [unknown-property]\n"
        'Resources.B.Type: unsupported resource type "AWS::EC2::Nothing" (line 6:7)'
        "  [unsupported-resource-type]\n"
        'Resources.B.DependsOn: DependsOn names unknown resource "Nope" (line 6:32)'
        "  [unknown-reference]\n"
    )


def test_findings_as_json(capsys, template):
    code, out, _ = run(capsys, "-f", template(BROKEN), "--format", "json")
    assert code == 1
    assert json.loads(out)["findings"][0] == {
        "code": "unknown-property",
        "path": "Resources.A.Properties.valeu",
        "line": 5,
        "column": 7,
        "message": 'unknown property "valeu" (did you mean "value"?)',
    }


def test_parse_error(capsys, template):
    path = template("Resources:\n  A: [1\n")
    code, out, err = run(capsys, "-f", path)
    assert (code, err) == (1, "")
    assert (
        out == f"{path}: invalid YAML: did not find expected ',' or ']' (line 3:1)  [parse-error]\n"
    )


def test_too_large(capsys, template):
    path = template("Description: " + "x" * client.template_format.DEFAULT_MAX_SIZE + "\n")
    code, out, _ = run(capsys, "-f", path)
    assert code == 1
    assert out.endswith(
        f"more than the limit of {client.template_format.DEFAULT_MAX_SIZE}  [template-too-large]\n"
    )


def test_missing_file(capsys, tmp_path):
    path = str(tmp_path / "nope.yaml")
    code, out, err = run(capsys, "-f", path)
    assert (code, out) == (1, "")
    assert err == f"ERROR: cannot read template {path}: No such file or directory\n"


def test_a_directory_is_not_a_template(capsys, tmp_path):
    code, out, err = run(capsys, "-f", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == f"ERROR: cannot read template {tmp_path}: Is a directory\n"


def test_online_validation_needs_credentials(capsys, template, monkeypatch):
    for name in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    code = client.main(["template-validate", "-f", template()])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (
        "ERROR: missing credentials: set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, "
        "OS_PROJECT_NAME (heat-all writes them to <state-dir>/heatrc: source it)\n"
    )


def test_non_boolean_condition_is_one_error_line(capsys, template):
    text = "Conditions:\n  C: !Ref AWS::Region\n"
    text += "Resources:\n  R: {Type: OS::Heat::None, Condition: C}\n"
    code, out, err = run(capsys, "-f", template(text))
    assert (code, out) == (1, "")
    assert err == "ERROR: Conditions.C: a condition must be true or false, got 'RegionOne'\n"


@pytest.mark.parametrize(
    "argv, code, stdout, stderr",
    [
        (["-f", "{good}"], 0, "Description: A web server\n", ""),
        (["-f", "{broken}"], 1, "Resources.A.Properties.valeu", ""),
        (
            ["-f", "{missing}"],
            1,
            "",
            "ERROR: cannot read template {missing}: No such file or directory\n",
        ),
        (
            ["-f", "{good}", "-P", "x"],
            1,
            "",
            'ERROR: malformed parameter "x": expected KEY=VALUE\n',
        ),
    ],
)
def test_console_script(tmp_path, argv, code, stdout, stderr):
    (tmp_path / "good.yaml").write_text(TEMPLATE)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    names = {n: str(tmp_path / f"{n}.yaml") for n in ("good", "broken", "missing")}
    argv = [arg.format(**names) for arg in argv]
    done = subprocess.run(
        [HEAT, "template-validate", "--offline", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == code
    assert done.stdout.startswith(stdout)
    assert done.stderr == stderr.format(**names)
    assert "Traceback" not in done.stderr


def test_console_script_usage_errors_exit_2():
    done = subprocess.run([HEAT, "template-validate"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert (
        "error: one of the arguments -f/--template-file -u/--template-url is required"
        in done.stderr
    )
