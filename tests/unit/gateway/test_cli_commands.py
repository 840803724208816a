"""The commands that start a module take that module's real options, listed by ``--help``."""

from __future__ import annotations

import pytest

from gateway.cli import build_parser


@pytest.mark.parametrize(
    ("argv", "option", "value"),
    [
        (["backoffice", "--municipality", "19"], "municipality", "19"),
        (["sandbox", "--port-base", "0"], "port_base", 0),
        (["relay", "--window", "8"], "window", 8),
        (["ministry", "--decision-delay", "1"], "decision_delay", 1.0),
        (["sandbox"], "exit_with_parent", False),
        (["backoffice", "--municipality", "19", "--exit-with-parent"], "exit_with_parent", True),
    ],
)
def test_an_option_comes_first_as_the_readme_writes_it(
    argv: list[str], option: str, value: object
) -> None:
    assert getattr(build_parser().parse_args(argv), option) == value


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("backoffice", ("--municipality", "--amqp-url", "--exit-with-parent")),
        ("ministry", ("--amqp-url", "--decision-delay", "--exit-with-parent")),
        ("sandbox", ("--port-base", "--fault", "--exit-with-parent")),
        ("relay", ("--municipalities", "--window", "--poll")),
    ],
)
def test_help_lists_the_real_options(
    command: str, options: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([command, "--help"])
    shown = capsys.readouterr().out
    assert exited.value.code == 0
    assert all(option in shown for option in options)


def test_an_unknown_option_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["backoffice", "--municipality", "19", "--colour", "red"])
    assert "--colour" in capsys.readouterr().err
