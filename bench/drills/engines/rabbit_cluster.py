"""A RabbitMQ cluster of three nodes on loopback, from Debian's rabbitmq-server.

Each node has its own name (``ekd1@localhost`` …), AMQP port (5681 …), distribution port
(AMQP port + 20000) and folder (its Mnesia and quorum data, log, config); they share one
Erlang cookie and find each other through the classic-config peer discovery, so the first
node boots alone and the others join it as they boot. The machine's own broker
(``rabbit@localhost`` on 5672) has another cookie and is never asked anything.

The start script Debian puts in /usr/sbin switches to the ``rabbitmq`` user and reads
/etc/rabbitmq; the one under /usr/lib/rabbitmq/bin is called instead, with every path set
through ``RABBITMQ_*`` variables, as the user running the drill.

    with RabbitCluster() as cluster:
        cluster.kill_node(cluster.leader_of("q"))   # kill -9 of the queue's Raft leader
        cluster.restart_node(...)                   # it rejoins with its data
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import pika

from bench.drills.engines.process_group import (
    EngineDied,
    EngineProcess,
    Engines,
    port_free,
    private_folder,
    run,
    wait_until,
)

RABBITMQ_BIN = Path(os.environ.get("EKOMUNAT_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
MARKER = "ekomunat-engines-rabbit-"
DIST_PORT_OFFSET = 20_000
# A joining node retries discovery for up to a minute while the first one boots.
CONFIG = """\
listeners.tcp.1 = 127.0.0.1:{amqp_port}
loopback_users.guest = true
cluster_formation.peer_discovery_backend = classic_config
{peers}
cluster_formation.discovery_retry_limit = 60
cluster_formation.discovery_retry_interval = 1000
consumer_timeout = {consumer_timeout_ms}
log.console = false
log.file.level = info
"""


class RabbitNode:
    """One node of the cluster: its name, ports, folder and process."""

    def __init__(self, cluster_dir: Path, index: int, prefix: str, amqp_port: int) -> None:
        self.index = index
        self.name = f"{prefix}{index}@localhost"
        self.amqp_port = amqp_port
        self.dist_port = amqp_port + DIST_PORT_OFFSET
        self.base = cluster_dir / f"node{index}"
        self.process: EngineProcess | None = None

    def url(self, vhost: str = "%2F") -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/{vhost}"

    def __repr__(self) -> str:
        return f"RabbitNode({self.name}, amqp {self.amqp_port})"


class RabbitCluster(Engines):
    """Start, fault and stop a private RabbitMQ cluster; see the module docstring."""

    def __init__(
        self,
        size: int = 3,
        *,
        prefix: str = "ekd",
        first_amqp_port: int = 5681,
        consumer_timeout_ms: int = 1_800_000,
        start_timeout_s: float = 90,
        extra_config: str = "",
        advanced_config: str | None = None,
    ) -> None:
        """``extra_config`` is appended to every node's rabbitmq.conf and ``advanced_config``
        is its advanced.config: a test boots the deployment's own settings with them."""
        self.size = size
        self.prefix = prefix
        self.first_amqp_port = first_amqp_port
        self.consumer_timeout_ms = consumer_timeout_ms
        self.start_timeout_s = start_timeout_s
        self.extra_config = extra_config
        self.advanced_config = advanced_config
        self.dir: Path | None = None
        self.nodes: list[RabbitNode] = []

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Boot the first node, then the others together; return once all run as one cluster."""
        self.dir = private_folder(MARKER)
        cookie = self.dir / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        ports = self._amqp_ports()
        # Other ports mean another drill may hold the names too (epmd refuses a second one).
        prefix = (
            self.prefix if ports[0] == self.first_amqp_port else f"{self.prefix}-{os.getpid()}-"
        )
        self.nodes = [
            RabbitNode(self.dir, index, prefix, port) for index, port in enumerate(ports, start=1)
        ]
        for node in self.nodes:
            self._prepare(node)
        first, *others = self.nodes
        self._spawn(first)
        self.await_node(first)
        for node in others:
            self._spawn(node)
        for node in others:
            self.await_node(node)
        wait_until(
            lambda: len(self.running_nodes()) == self.size,
            timeout_s=self.start_timeout_s,
            what=f"{self.size} running nodes in one cluster",
        )

    def stop(self) -> None:
        """Kill -9 every node and remove the folder: the data is thrown away, so nothing needs
        to be flushed, and a graceful stop of a cluster takes seconds per node."""
        for node in self.nodes:
            if node.process is not None:
                node.process.kill()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def kill_node(self, node: RabbitNode | str) -> RabbitNode:
        """kill -9 of the node's whole process group: no goodbye to its peers."""
        target = self.node(node)
        assert target.process is not None
        target.process.kill()
        return target

    def restart_node(self, node: RabbitNode | str) -> RabbitNode:
        """Start a killed or stopped node again on its own data; return once it has booted."""
        target = self.node(node)
        if target.process is not None and target.process.alive():
            target.process.kill()
        self._spawn(target)
        self.await_node(target)
        return target

    def promote(self, node: RabbitNode | str) -> None:
        """A broker has nothing to promote: Raft elects a quorum queue's new leader itself."""
        raise NotImplementedError("quorum queues elect their leader; nothing to promote")

    # ---- what the drills ask ------------------------------------------------------------------

    def node(self, node: RabbitNode | str) -> RabbitNode:
        if isinstance(node, RabbitNode):
            return node
        for candidate in self.nodes:
            if node in (candidate.name, candidate.name.split("@")[0]):
                return candidate
        raise KeyError(node)

    @property
    def urls(self) -> list[str]:
        return [node.url() for node in self.nodes]

    def live_nodes(self) -> list[RabbitNode]:
        return [node for node in self.nodes if node.process is not None and node.process.alive()]

    def rabbitmqctl(self, *arguments: str, node: RabbitNode | None = None) -> str:
        """rabbitmqctl against ``node`` (default: the first one alive), with this cookie."""
        target = node or self.live_nodes()[0]
        return run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", target.name, *arguments],
            env=self._cli_env(),
            timeout_s=60,
        )

    def running_nodes(self, ask: RabbitNode | None = None) -> list[str]:
        status = self._json(self.rabbitmqctl("cluster_status", "--formatter", "json", node=ask))
        return sorted(status["running_nodes"])

    def queues(self, vhost: str = "/") -> list[dict[str, Any]]:
        """Name, type, leader, members and online members of every queue, as the cluster
        sees them now."""
        rows = self._json(
            self.rabbitmqctl(
                "list_queues", "-p", vhost, "name", "type", "leader", "members", "online",
                "messages", "--formatter", "json",
            )
        )  # fmt: skip
        return [dict(row) for row in rows]

    def queue_info(self, queue: str, vhost: str = "/") -> dict[str, Any]:
        for row in self.queues(vhost):
            if row["name"] == queue:
                return row
        raise KeyError(queue)

    def leader_of(self, queue: str, vhost: str = "/") -> RabbitNode:
        return self.node(str(self.queue_info(queue, vhost)["leader"]))

    def await_node(self, node: RabbitNode) -> None:
        """Until the node takes AMQP connections (it has joined the cluster by then)."""

        def booted() -> bool:
            if node.process is None or not node.process.alive():
                log = (node.base / "console.log").read_text(errors="replace")[-3000:]
                raise EngineDied(f"{node.name} exited:\n{log}")
            # The AMQP listener opens last, once the node has joined the cluster: cheaper to
            # ask than rabbitmqctl, which boots an Erlang VM of its own for every question.
            parameters = pika.URLParameters(f"{node.url()}?connection_attempts=1&socket_timeout=2")
            pika.BlockingConnection(parameters).close()
            return True

        wait_until(booted, timeout_s=self.start_timeout_s, what=f"{node.name} booted")

    # ---- set-up -------------------------------------------------------------------------------

    def _amqp_ports(self) -> list[int]:
        """The preferred ports when they and their distribution ports are free, else free ones
        (a drill beside another drill, or something else on 5681)."""
        preferred = [self.first_amqp_port + i for i in range(self.size)]
        if all(port_free(p) and port_free(p + DIST_PORT_OFFSET) for p in preferred):
            return preferred
        ports: list[int] = []
        candidate = 40_000
        while len(ports) < self.size:
            if port_free(candidate) and port_free(candidate + DIST_PORT_OFFSET):
                ports.append(candidate)
            candidate += 1
        return ports

    def _prepare(self, node: RabbitNode) -> None:
        (node.base / "log").mkdir(parents=True)
        # The first node lists only itself: with peers listed and none up yet, it would
        # retry discovery for a minute before booting alone. The others join it.
        seeds = self.nodes[:1] if node.index == 1 else self.nodes
        peers = "\n".join(
            f"cluster_formation.classic_config.nodes.{peer.index} = {peer.name}" for peer in seeds
        )
        (node.base / "rabbitmq.conf").write_text(
            CONFIG.format(
                amqp_port=node.amqp_port,
                peers=peers,
                consumer_timeout_ms=self.consumer_timeout_ms,
            )
            + self.extra_config
        )
        if self.advanced_config is not None:
            (node.base / "advanced.config").write_text(self.advanced_config)
        (node.base / "enabled_plugins").write_text("[].\n")
        (node.base / "rabbitmq-env.conf").write_text("")

    def _common_env(self) -> dict[str, str]:
        assert self.dir is not None
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.dir),  # the shared .erlang.cookie
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "no-env.conf"),
        }

    def _cli_env(self) -> dict[str, str]:
        return self._common_env()

    def _spawn(self, node: RabbitNode) -> None:
        env = {
            **self._common_env(),
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(node.amqp_port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_CONFIG_FILE": str(node.base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.base / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(node.base / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.base / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(node.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.base / "log"),
            "RABBITMQ_PID_FILE": str(node.base / "node.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        node.process = EngineProcess(
            node.name,
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            log_path=node.base / "console.log",
            env=env,
            cwd=node.base,
        )
        node.process.start()

    @staticmethod
    def _json(output: str) -> Any:
        """rabbitmqctl's JSON, past any banner line it prints before it."""
        start = min((i for i in (output.find("{"), output.find("[")) if i >= 0), default=0)
        return json.loads(output[start:])
