"""The broker and database settings in deploy/ are taken by Debian's own servers: an operator
who copies them gets a node that boots with them, not one that refuses an unknown key."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
from pathlib import Path

import pytest

from bench.drills.engines import RabbitCluster
from bench.drills.engines.pg_replica import postgres_bin_dir
from bench.drills.engines.process_group import free_port, private_folder, run
from tests.fixtures.certificates import self_signed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
# The engine sets these itself (its own ports, peers and guest login on loopback).
ENGINE_OWNS = ("listeners.", "cluster_formation.", "loopback_users")


def test_rabbitmq_boots_on_the_deployments_settings_and_serves_tls(tmp_path: Path) -> None:
    certificate, key = self_signed(tmp_path)
    settings = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    settings = settings.replace("/etc/rabbitmq/tls/ca.pem", str(certificate))
    settings = settings.replace("/etc/rabbitmq/tls/cert.pem", str(certificate))
    settings = settings.replace("/etc/rabbitmq/tls/key.pem", str(key))
    kept = [
        line
        for line in settings.splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(ENGINE_OWNS)
        and not line.startswith("consumer_timeout")  # the engine states the same value
    ]  # fmt: skip
    tls_port = free_port()
    extra = "\n".join([*kept, f"listeners.ssl.default = 127.0.0.1:{tls_port}", ""])
    advanced = (DEPLOY / "rabbitmq" / "advanced.config").read_text()

    with RabbitCluster(size=1, extra_config=extra, advanced_config=advanced) as node:
        effective = node.rabbitmqctl(
            "eval",
            "{application:get_env(rabbit, cluster_partition_handling),"
            " application:get_env(rabbit, quorum_cluster_size),"
            " application:get_env(rabbit, consumer_timeout)}.",
        )
        assert "pause_minority" in effective
        assert "{ok,3}" in effective
        assert "{ok,1800000}" in effective
        context = ssl.create_default_context(cafile=str(certificate))
        with (
            socket.create_connection(("127.0.0.1", tls_port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"AMQP\x00\x00\x09\x01")
            assert tls.recv(1)  # connection.start: the broker speaks AMQP behind TLS


def test_postgresql_takes_the_deployments_ha_settings() -> None:
    bin_dir = postgres_bin_dir()
    user = "postgres" if os.geteuid() == 0 else None
    folder = private_folder("ekomunat-engines-pgconf-")
    try:
        if user is not None:
            shutil.chown(folder, user, user)
        data = folder / "data"
        run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--no-sync"], user=user)
        shutil.copy(DEPLOY / "postgresql" / "ekomunat-ha.conf", folder / "ekomunat-ha.conf")
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"include '{folder / 'ekomunat-ha.conf'}'\n")

        def effective(name: str) -> str:
            # postgres -C reads every configuration file and refuses an unknown or bad setting.
            return run([str(bin_dir / "postgres"), "-D", str(data), "-C", name], user=user).strip()

        assert effective("synchronous_standby_names") == "FIRST 1 (db_a, db_b)"
        assert effective("synchronous_commit") == "on"
        assert effective("cluster_name") == "db_a"
        assert effective("wal_level") == "replica"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
