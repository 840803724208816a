"""The README is the operator's first page: it must name every setting the gateway reads."""

from __future__ import annotations

from gateway.open.settings import OpenDataSettings
from gateway.settings import REPO_ROOT, Settings


def test_every_gateway_setting_is_documented_in_the_readme():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    names = [f"GATEWAY_{name.upper()}" for name in Settings.model_fields]
    names += [f"GATEWAY_OPEN_{name.upper()}" for name in OpenDataSettings.model_fields]

    missing = [name for name in names if f"`{name}`" not in readme]

    assert missing == []


def test_the_readme_gives_the_two_commands_and_ci_runs_the_second():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert "make run" in readme and "make test" in readme
    assert ci.strip().splitlines()[-1] == "make test"
