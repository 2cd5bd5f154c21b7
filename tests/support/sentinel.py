"""A Redis master, a replica and three Sentinels on 127.0.0.1 ports."""

from __future__ import annotations

from pathlib import Path

import redis

from .processes import Service, free_port, wait_for
from .redis_server import redis_executable, wait_for_ping
from .stack import RUNNING

__all__ = ["MASTER_NAME", "SentinelGroup"]

MASTER_NAME = "mymaster"
"""Name under which the Sentinels monitor the master."""

SENTINELS = 3
"""Sentinel processes; a quorum of two agrees that the master is down."""

DOWN_AFTER_MS = 1000
"""``down-after-milliseconds``: silence after which a Sentinel suspects
the master."""

FAILOVER_TIMEOUT_MS = 5000
"""``failover-timeout``: how long one failover attempt may take."""


class SentinelGroup:
    """``redis-server`` as master and replica, and as three Sentinels.

    Nothing is kept on disk apart from the Sentinels' own config files,
    which they rewrite as they learn about the group. Every process is
    stopped by its pid.

    Parameters
    ----------
    directory
        Config files, data and logs.
    """

    def __init__(self, directory: Path) -> None:
        self.executable = redis_executable()
        self.directory = directory
        self.master_port = free_port()
        self.replica_port = free_port()
        self.sentinel_ports = [free_port() for _ in range(SENTINELS)]
        self.master: Service | None = None
        self._services: list[Service] = []

    @property
    def sentinel_addresses(self) -> list[str]:
        """The Sentinels as ``host:port``."""
        return [f"127.0.0.1:{port}" for port in self.sentinel_ports]

    def client(self, port: int) -> redis.Redis:
        """A new client of one of the processes; the caller closes it."""
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

    def start(self) -> None:
        """Start all five processes; wait until the Sentinels see them."""
        self.master = self._server("master", self.master_port)
        replica = self._server(
            "replica",
            self.replica_port,
            "--replicaof",
            "127.0.0.1",
            str(self.master_port),
        )
        wait_for(
            lambda: (
                self._info(self.replica_port).get("master_link_status") == "up"
            ),
            what="the replica to sync with the master",
            diagnostics=replica.describe,
        )
        for n, port in enumerate(self.sentinel_ports):
            self._sentinel(n, port)
        for port in self.sentinel_ports:
            wait_for(
                lambda port=port: self._sees_group(port),
                what=f"Sentinel {port} to see the replica and the others",
                timeout=30,
                interval=0.2,
                diagnostics=self.describe,
            )

    def kill_master(self) -> None:
        """Kill the master by its pid with SIGKILL, as a crash would."""
        master = self.master
        assert master is not None, "the master is not running"
        master.kill()
        self.master = None
        self._services.remove(master)
        RUNNING.remove(master)

    def master_port_by_sentinels(self) -> set[int]:
        """The master's port according to each Sentinel that answers."""
        ports = set()
        for port in self.sentinel_ports:
            client = self.client(port)
            try:
                address = client.sentinel_get_master_addr_by_name(MASTER_NAME)
            except redis.RedisError:
                continue
            finally:
                client.close()
            if address:
                ports.add(int(address[1]))
        return ports

    def replica_offset_lag(self) -> int:
        """Bytes of the master's replication stream the replica lacks."""
        master = self._info(self.master_port)
        replica = self._info(self.replica_port)
        lag = int(master["master_repl_offset"]) - int(
            replica["slave_repl_offset"]
        )
        # The replica is read second: ahead of the first read means caught up.
        return max(lag, 0)

    def describe(self) -> str:
        """Every process's command, state and log."""
        return "\n".join(service.describe() for service in self._services)

    def stop(self) -> None:
        """Stop every process still running, by its pid, newest first."""
        while self._services:
            service = self._services.pop()
            RUNNING.remove(service)
            service.stop()

    def _server(self, name: str, port: int, *extra: str) -> Service:
        data = self.directory / name
        data.mkdir()
        command = [self.executable, "--port", str(port)]
        command += ["--bind", "127.0.0.1", "--dir", str(data)]
        command += ["--save", "", "--appendonly", "no", *extra]
        service = self._run(name, command)
        wait_for_ping(service, port)
        return service

    def _sentinel(self, n: int, port: int) -> Service:
        data = self.directory / f"sentinel-{n}"
        data.mkdir()
        config = data / "sentinel.conf"
        # Sentinels rewrite this file as they learn the group's state.
        config.write_text(
            f"port {port}\n"
            "bind 127.0.0.1\n"
            f"dir {data}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME}"
            f" {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n",
            encoding="utf-8",
        )
        command = [self.executable, str(config), "--sentinel"]
        return self._run(f"sentinel-{n}", command)

    def _run(self, name: str, command: list[str]) -> Service:
        service = Service(
            name,
            command,
            cwd=self.directory,
            env={},
            log_path=self.directory / f"{name}.log",
        )
        self._services.append(service)
        RUNNING.append(service)
        return service

    def _info(self, port: int) -> dict[str, str]:
        client = self.client(port)
        try:
            info: dict[str, object] = client.info("replication")
        except redis.ConnectionError:
            return {}
        finally:
            client.close()
        return {key: str(value) for key, value in info.items()}

    def _sees_group(self, port: int) -> bool:
        client = self.client(port)
        try:
            state = client.sentinel_master(MASTER_NAME)
        except redis.ConnectionError:
            return False
        finally:
            client.close()
        return (
            int(state["num-slaves"]) == 1
            and int(state["num-other-sentinels"]) == SENTINELS - 1
        )
