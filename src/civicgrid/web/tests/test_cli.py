"""The ``civicgrid`` command line: top-level help, command help, argument errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicgrid.cli import OWN_COMMANDS, main

CONSOLE_SCRIPT = Path(sys.executable).with_name("civicgrid")
HELP_COMMANDS = ["serve", "demo", "import-places", "import-assets", "apikey", "load-categories"]


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """Return an environment that points the CLI at a scratch data directory."""
    env = dict(os.environ)
    env["CIVICGRID_DATA_DIR"] = str(tmp_path_factory.mktemp("cli-data"))
    env["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings.dev"
    env.pop("CIVICGRID_DATABASE_URL", None)
    return env


def run_all(commands, env):
    """Run several ``civicgrid`` invocations in parallel; return their results in order."""
    processes = [
        subprocess.Popen(
            [str(CONSOLE_SCRIPT), *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in commands
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append((process.returncode, out, err))
    return results


@pytest.mark.parametrize("argv", [["civicgrid"], ["civicgrid", "--help"], ["civicgrid", "-h"]])
def test_top_level_help_lists_every_command(capsys, argv):
    """``civicgrid --help`` (or no argument) lists CivicGrid's own commands."""
    main(argv)
    out = capsys.readouterr().out
    assert out.startswith("usage: civicgrid <command> [options]")
    for name, text in OWN_COMMANDS.items():
        assert f"  {name}" in out
        assert text in out
    assert "civicgrid help --commands" in out


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the console script is not installed")
def test_each_command_has_help(cli_env):
    """``civicgrid X --help`` works for every own command and shows its options."""
    results = run_all([[name, "--help"] for name in HELP_COMMANDS], cli_env)
    expected = {
        "serve": "--port",
        "demo": "--password",
        "import-places": "--level",
        "import-assets": "--crs",
        "apikey": "{create,list,revoke,purge}",
        "load-categories": "--without-standard",
    }
    for name, (code, out, err) in zip(HELP_COMMANDS, results, strict=True):
        assert code == 0, (name, err)
        assert out.startswith("usage: civicgrid "), (name, out)
        assert expected[name] in out, name
        assert "Traceback" not in err, (name, err)


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the console script is not installed")
def test_bad_arguments_give_an_error_line_not_a_traceback(cli_env, tmp_path):
    """A bad ``--level`` or a missing file ends with one error line and a failing status."""
    missing = str(tmp_path / "missing.geojson")
    results = run_all(
        [
            ["import-places", missing, "--level", "town"],
            ["import-places", missing, "--level", "grid"],
            ["import-assets", missing, "--crs", "utm"],
        ],
        cli_env,
    )
    (bad_level, missing_file, bad_crs) = results
    assert bad_level[0] == 2
    assert "argument --level: invalid choice: 'town'" in bad_level[2]
    assert missing_file[0] == 1
    # In the default language, Simplified Chinese: "no such file".
    assert missing_file[2].strip().endswith(f"CommandError: 文件不存在：{missing}")
    assert bad_crs[0] == 2
    assert "argument --crs: invalid choice: 'utm'" in bad_crs[2]
    for _code, _out, err in results:
        assert "Traceback" not in err


def test_hyphenated_names_map_to_management_commands():
    """Every own command resolves to a management command of the same (underscored) name."""
    from django.core.management import get_commands

    commands = get_commands()
    missing = [name for name in OWN_COMMANDS if name.replace("-", "_") not in commands]
    # ``audit`` belongs to the case loop, which is built in parallel.
    assert set(missing) <= {"audit"}
