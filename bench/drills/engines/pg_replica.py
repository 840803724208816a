"""A PostgreSQL primary with a synchronous streaming replica on loopback, from Debian's binaries.

The primary (port 5441) is made by ``initdb``; the replica (5442) by ``pg_basebackup -R``
from it, and streams its WAL under the name ``ekd_replica``, which the primary lists in
``synchronous_standby_names``: with ``synchronous_commit = on`` a commit returns only once the
replica has flushed it, so a row a client saw committed survives the primary's death. Both
run as the ``postgres`` user when the drill runs as root (PostgreSQL refuses root), with
their sockets in their own folder. The machine's own server on 5432 is never touched.

The primary's settings are given on its command line, not written to its
``postgresql.conf``, so the base backup does not copy them: a promoted replica has no
synchronous standby to wait for and takes writes at once.

    with PostgresPair() as pair:
        pair.kill_node("primary")        # kill -9 of the postmaster and its backends
        pair.promote()                   # pg_promote() on the replica
        psycopg.connect(pair.multi_host_dsn())   # finds the new primary
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from typing import Literal

import psycopg

from bench.drills.engines.process_group import (
    EngineDied,
    EngineError,
    EngineProcess,
    Engines,
    free_port,
    port_free,
    private_folder,
    run,
    wait_until,
)

MARKER = "ekomunat-engines-pg-"
REPLICA_NAME = "ekd_replica"
# "fenced": a primary whose replica was promoted; it may only come back as a standby.
Role = Literal["primary", "replica", "fenced"]
PRIMARY_SETTINGS = {
    "wal_level": "replica",
    "max_wal_senders": "4",
    "wal_keep_size": "64MB",
    "synchronous_standby_names": REPLICA_NAME,
    "synchronous_commit": "on",
}
COMMON_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "40",
    "shared_buffers": "32MB",
    "hot_standby": "on",
}


def postgres_bin_dir() -> Path:
    """The newest server under /usr/lib/postgresql (Debian's layout), or EKOMUNAT_PG_BIN."""
    if configured := os.environ.get("EKOMUNAT_PG_BIN"):
        return Path(configured)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name),
    )
    if not versions:
        raise EngineError("no PostgreSQL server under /usr/lib/postgresql")
    return versions[-1].parent


class PostgresNode:
    """One server; ``PostgresPair.nodes`` names it by its first role, ``role`` is its role now."""

    def __init__(self, role: Role, port: int, data_dir: Path) -> None:
        self.role: Role = role
        self.port = port
        self.data_dir = data_dir
        self.process: EngineProcess | None = None

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=3"


class PostgresPair(Engines):
    """Start, fault and stop a private primary + replica; see the module docstring."""

    def __init__(
        self,
        *,
        primary_port: int = 5441,
        replica_port: int = 5442,
        start_timeout_s: float = 60,
    ) -> None:
        self.bin = postgres_bin_dir()
        self.preferred_ports = (primary_port, replica_port)
        self.start_timeout_s = start_timeout_s
        self.user = "postgres" if os.geteuid() == 0 else None
        self.dir: Path | None = None
        self.nodes: dict[str, PostgresNode] = {}

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """initdb and start the primary, clone and start the replica, wait until it is sync."""
        self.dir = private_folder(MARKER)
        if self.user is not None:
            shutil.chown(self.dir, self.user, self.user)
        ports = self.preferred_ports
        if not all(port_free(port) for port in ports):
            ports = (free_port(), free_port())
        primary = PostgresNode("primary", ports[0], self.dir / "primary")
        replica = PostgresNode("replica", ports[1], self.dir / "replica")
        self.nodes = {"primary": primary, "replica": replica}
        self._as_owner(
            self.bin / "initdb",
            "-D",
            str(primary.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        self._spawn(primary)
        self._await_accepting(primary)
        self._clone_replica(replica, source=primary)
        self._spawn(replica)
        self._await_accepting(replica)
        self.await_sync_standby()

    def stop(self) -> None:
        """Kill -9 both servers and remove the folder: the data is thrown away."""
        for node in self.nodes.values():
            if node.process is not None:
                node.process.kill()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def kill_node(self, name: str) -> PostgresNode:
        """kill -9 of the postmaster with its backends: in-flight transactions are lost.

        ``name`` is the node's first role, "primary" or "replica", as in ``nodes``."""
        node = self.nodes[name]
        assert node.process is not None
        node.process.kill()
        return node

    def restart_node(self, name: str) -> PostgresNode:
        """Start the node again in the role it has. A primary that died and whose replica was
        promoted comes back as the new primary's standby, cloned afresh from it: started on
        its own data it would be a second primary (split brain)."""
        node = self.nodes[name]
        if node.process is not None:
            node.process.stop(signal.SIGINT)
        if node.role == "fenced":
            shutil.rmtree(node.data_dir)
            node.role = "replica"
            self._clone_replica(node, source=self.primary)
        self._spawn(node)
        self._await_accepting(node)
        return node

    def promote(self, name: str = "replica") -> PostgresNode:
        """``pg_promote()`` on the replica, waiting until it takes writes."""
        node = self.nodes[name]
        with psycopg.connect(node.dsn(), autocommit=True) as connection:
            row = connection.execute("SELECT pg_promote(true, 30)").fetchone()
        if not row or not row[0]:
            raise EngineError(f"{name} was not promoted within 30 s")
        for other in self.nodes.values():
            if other.role == "primary":
                other.role = "fenced"
        node.role = "primary"
        return node

    # ---- what the drills ask ------------------------------------------------------------------

    @property
    def primary(self) -> PostgresNode:
        """The node in the primary role now (the promoted one after a failover)."""
        return self._in_role("primary")

    @property
    def replica(self) -> PostgresNode:
        return self._in_role("replica")

    def _in_role(self, role: Role) -> PostgresNode:
        return next(node for node in self.nodes.values() if node.role == role)

    def multi_host_dsn(self, dbname: str = "postgres") -> str:
        """libpq's multi-host string: the first node that takes writes, in order."""
        ports = ",".join(str(node.port) for node in self.nodes.values())
        return (
            f"host=127.0.0.1,127.0.0.1 port={ports} user=postgres dbname={dbname} "
            "target_session_attrs=read-write connect_timeout=3"
        )

    def sqlalchemy_url(self, dbname: str = "postgres") -> str:
        """The same for ``GATEWAY_DATABASE_URL``: SQLAlchemy hands each host to psycopg."""
        hosts = "&".join(f"host=127.0.0.1:{node.port}" for node in self.nodes.values())
        return f"postgresql+psycopg://postgres@/{dbname}?{hosts}&target_session_attrs=read-write"

    def await_sync_standby(self) -> None:
        """Until the primary streams to the replica as its synchronous standby."""

        def sync_state() -> bool:
            with psycopg.connect(self.primary.dsn(), autocommit=True) as connection:
                row = connection.execute(
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = %s",
                    (REPLICA_NAME,),
                ).fetchone()
            return bool(row and row[0] == "sync")

        wait_until(sync_state, timeout_s=self.start_timeout_s, what="the replica in sync")

    # ---- set-up -------------------------------------------------------------------------------

    def _as_owner(self, *argv: str | Path) -> str:
        return run([str(part) for part in argv], user=self.user, timeout_s=120)

    def _clone_replica(self, replica: PostgresNode, *, source: PostgresNode) -> None:
        self._as_owner(
            self.bin / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(source.port),
            "-U",
            "postgres",
            "-D",
            str(replica.data_dir),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )

    def _spawn(self, node: PostgresNode) -> None:
        assert self.dir is not None
        settings = {**COMMON_SETTINGS, "port": str(node.port)}
        settings["unix_socket_directories"] = str(self.dir)
        if node.role == "primary":
            settings.update(PRIMARY_SETTINGS)
        else:
            # Its walreceiver's application_name: the name synchronous_standby_names lists.
            settings["cluster_name"] = REPLICA_NAME
        argv = [str(self.bin / "postgres"), "-D", str(node.data_dir)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        node.process = EngineProcess(
            f"postgres-{node.role}-{node.port}",
            argv,
            log_path=self.dir / f"{node.data_dir.name}.log",
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
            user=self.user,
            cwd=self.dir,
        )
        node.process.start()

    def _await_accepting(self, node: PostgresNode) -> None:
        def accepting() -> bool:
            if node.process is None or not node.process.alive():
                assert self.dir is not None
                log = (self.dir / f"{node.data_dir.name}.log").read_text(errors="replace")
                raise EngineDied(f"postgres on {node.port} exited:\n{log[-3000:]}")
            with psycopg.connect(node.dsn(), autocommit=True) as connection:
                connection.execute("SELECT 1")
            return True

        wait_until(accepting, timeout_s=self.start_timeout_s, what=f"postgres on {node.port}")
