"""etc/heat/heat.conf.sample is what oslo-config-generator makes from the options today."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_sample_config_is_current(tmp_path):
    generated = tmp_path / "heat.conf.sample"
    generator = pathlib.Path(sys.executable).with_name("oslo-config-generator")
    subprocess.run(
        [
            str(generator),
            "--namespace",
            "heat",
            "--wrap-width",
            "79",
            "--output-file",
            str(generated),
        ],
        check=True,
    )
    expected = (ROOT / "etc" / "heat" / "heat.conf.sample").read_text()
    assert generated.read_text() == expected, (
        "etc/heat/heat.conf.sample is stale: run "
        "oslo-config-generator --config-file etc/heat/heat-config-generator.conf"
    )
