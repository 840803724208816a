"""The deployment files in deploy/ start real commands with real settings, and nginx takes
the site: an operator who installs them as docs/deployment.md says gets a running gateway,
not a unit that fails on an option or a variable the gateway never reads."""

from __future__ import annotations

import importlib
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from gateway.cli import build_parser
from gateway.settings import Settings
from tests.fixtures.certificates import self_signed

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").rglob("*.service")) + sorted(
    (DEPLOY / "systemd").rglob("*.conf")
)
SITE = DEPLOY / "nginx" / "ekomunat-gateway.conf"
SAMPLE_INSTANCE = "8001"
EXPECTED_COMMANDS = {
    "ekomunat-gateway@.service": "serve",
    "ekomunat-relay.service": "relay",
    "ekomunat-consumers.service": "consumers",
}


def _directives(unit: Path) -> list[tuple[str, str]]:
    """(key, value) of every ``Key=Value`` line, in order; systemd repeats keys freely."""
    pairs = []
    for line in unit.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        pairs.append((key.strip(), value.strip().replace("%i", SAMPLE_INSTANCE)))
    return pairs


def _unit_environment(unit: Path) -> dict[str, str]:
    environment = {}
    for key, value in _directives(unit):
        if key == "Environment":
            for assignment in shlex.split(value):
                name, _, setting = assignment.partition("=")
                environment[name] = setting
    return environment


def _example_environment() -> dict[str, str]:
    environment = {}
    for line in (DEPLOY / "systemd" / "gateway.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            environment[name.strip()] = value.strip()
    return environment


def _known_variables() -> set[str]:
    """Every variable a settings class of the gateway reads (any ``settings.py`` under
    gateway/, wherever the refactors put it) and every one routing.yaml substitutes."""
    known = set()
    for path in (ROOT / "gateway").rglob("settings.py"):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings):
                prefix = value.model_config.get("env_prefix", "")
                known.update(f"{prefix}{name}".upper() for name in value.model_fields)
    known.update(re.findall(r"\$\{(GATEWAY_[A-Z0-9_]+)", (ROOT / "routing.yaml").read_text()))
    return known


def _exec_start(unit: Path) -> list[str]:
    (command,) = [value for key, value in _directives(unit) if key == "ExecStart"]
    return shlex.split(command)


@pytest.mark.parametrize("unit_name", sorted(EXPECTED_COMMANDS))
def test_each_unit_starts_a_command_the_cli_accepts(unit_name: str) -> None:
    argv = _exec_start(DEPLOY / "systemd" / unit_name)
    assert Path(argv[0]).name == "ekomunat-gateway"
    # argparse exits on an unknown command or option: the unit would fail at every start.
    args = build_parser().parse_args(argv[1:])
    assert args.command == EXPECTED_COMMANDS[unit_name]
    assert callable(args.handler)


def test_every_gateway_variable_the_files_set_is_one_the_gateway_reads() -> None:
    known = _known_variables()
    for source, environment in [
        *((unit.name, _unit_environment(unit)) for unit in UNITS),
        ("gateway.env.example", _example_environment()),
    ]:
        unknown = sorted(name for name in environment if name not in known)
        assert not unknown, f"{source} sets variables no setting reads: {unknown}"


def test_the_units_settings_are_valid_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the API unit sets parses as the gateway's settings (a typo in a number or a
    boolean would stop every instance at start)."""
    environment = _unit_environment(DEPLOY / "systemd" / "ekomunat-gateway@.service")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.port == int(SAMPLE_INSTANCE)
    assert settings.relay_enabled is False
    assert settings.status_consumer_enabled is False
    assert settings.workers > 1
    # The same shared environment file turns the consumers off; the consumers unit's command
    # runs them all the same.
    from gateway.consumers import CONSUMER_SETTINGS

    consuming = Settings(**CONSUMER_SETTINGS)
    assert consuming.status_consumer_enabled is True
    assert consuming.complaints_consumer_enabled is True
    assert consuming.relay_enabled is False


def test_nginx_limits_and_upstreams_match_the_gateway_units() -> None:
    site = SITE.read_text()
    defaults = Settings(_env_file=None)
    count, size = re.search(r"large_client_header_buffers\s+(\d+)\s+(\d+)k;", site).groups()
    assert int(count) * int(size) * 1024 == defaults.max_header_bytes
    unit = _unit_environment(DEPLOY / "systemd" / "ekomunat-gateway@.service")
    assert int(unit["GATEWAY_MAX_HEADER_BYTES"]) == defaults.max_header_bytes
    assert int(unit["GATEWAY_MAX_HEADERS"]) == defaults.max_headers

    # nginx connects from 127.0.0.1, the address the instances believe X-Forwarded-For from.
    upstreams = re.findall(r"^\s*server\s+(127\.0\.0\.1):(\d+)\s", site, re.MULTILINE)
    assert {address for address, _port in upstreams} <= set(
        unit["GATEWAY_TRUSTED_PROXIES"].split(",")
    )
    wants = " ".join(
        value
        for key, value in _directives(DEPLOY / "systemd" / "ekomunat-gateway.target")
        if key == "Wants"
    )
    instances = set(re.findall(r"ekomunat-gateway@(\d+)\.service", wants))
    assert {port for _address, port in upstreams} == instances
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site


def _nginx() -> str:
    """Debian's nginx, which the README's test command installs (scripts/ensure-services.sh)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if found is None:
        pytest.fail("nginx is not installed: run `make services` as root (apt-get install nginx)")
    return found


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx = _nginx()
    certificate, key = self_signed(tmp_path)
    site = SITE.read_text()
    site = site.replace("/etc/ekomunat-gateway/tls/fullchain.pem", str(certificate))
    site = site.replace("/etc/ekomunat-gateway/tls/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\n    access_log off;\n{temp_paths}"
        f"    include {tmp_path / 'site.conf'};\n}}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """systemd-analyze reads the units as systemd would and names every unknown key or bad
    value; the command path is this checkout's, since /opt/ekomunat-gateway is not here."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    command = Path(sys.executable).parent / "ekomunat-gateway"
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text().replace(
            "/opt/ekomunat-gateway/.venv/bin/ekomunat-gateway", str(command)
        )
        (tmp_path / unit.name).write_text(text)
    shutil.copy(DEPLOY / "systemd" / "ekomunat-gateway.target", tmp_path)
    (tmp_path / f"ekomunat-gateway@{SAMPLE_INSTANCE}.service").symlink_to(
        tmp_path / "ekomunat-gateway@.service"
    )
    units = [f"ekomunat-gateway@{SAMPLE_INSTANCE}.service", "ekomunat-relay.service",
             "ekomunat-consumers.service", "ekomunat-gateway.target"]  # fmt: skip
    verified = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in units)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert not verified.stderr.strip(), verified.stderr
