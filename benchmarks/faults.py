"""The faults the soak test (``benchmarks/soak.py``) inflicts on a running site, and the
pieces it runs so it can inflict them: a TCP relay in front of PostgreSQL (cut it and the
database is gone for the application, as a stopped server; cheaper than a private cluster on
a shared machine), a private ``redis-server`` on its own port, and gunicorn.

The schedule (``SCHEDULE``), each fault some seconds after the previous one recovered:
kill one gunicorn worker (SIGKILL; the master starts another), restart the master (SIGTERM,
wait, start it again: requests meanwhile find no server), stop the database for 10 s, stop
Redis for 10 s. SQLite has no server to stop: its file is replaced by a folder for the
time (as tests/ops/test_outage.py does), so no new connection opens, and gunicorn reloads
its workers so none keeps a pooled connection to the old file (which would go on working);
the 10 s count from when a new worker answers."""

from __future__ import annotations

import contextlib
import http.client
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


class Relay:
    """A TCP relay from a local port to the PostgreSQL server, that can be cut."""

    def __init__(self, host: str, port: int, listen_port: int = 0) -> None:
        self.target = (host, port)
        self.port = listen_port
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, one: socket.socket, two: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(one, selectors.EVENT_READ, two)
        selector.register(two, selectors.EVENT_READ, one)
        try:
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            with self.lock:
                for sock in (one, two):
                    if sock in self.sockets:
                        self.sockets.remove(sock)
            one.close()
            two.close()

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


class SqliteOutage:
    """The SQLite file (and its WAL) moved aside and a folder in its place; then
    ``drop_connections`` (gunicorn's graceful reload: new workers, no pooled connection
    left holding the old file open), as a stopped server cuts its clients."""

    def __init__(self, path: str, drop_connections: Callable[[], None] | None = None) -> None:
        self.path = Path(path)
        self.drop_connections = drop_connections

    def stop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            name = Path(f"{self.path}{suffix}")
            if name.exists():
                os.replace(name, f"{name}.away")
        self.path.mkdir()
        if self.drop_connections is not None:
            self.drop_connections()

    def start(self) -> None:
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            away = Path(f"{self.path}{suffix}.away")
            if away.exists():
                os.replace(away, f"{self.path}{suffix}")


class Redis:
    """A private ``redis-server`` (no persistence) on ``port``."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class Gunicorn:
    """gunicorn serving ``app`` (``wsgi:app``) with ``workers`` sync workers, and
    ``extra`` command-line settings."""

    def __init__(
        self,
        port: int,
        workers: int,
        env: dict[str, str],
        log: Path,
        app: str = "wsgi:app",
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port, self.workers, self.env, self.log = port, workers, env, log
        self.app, self.extra = app, extra
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers",
                 str(self.workers), "--timeout", "30", "--graceful-timeout", "10", *self.extra,
                 self.app],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_for_port(self.port, timeout=60)

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def reload(self) -> None:
        """SIGHUP: the master starts new workers and stops the old ones gracefully; wait
        until a new one answers ``/healthz`` (which needs no database)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGHUP)
        time.sleep(0.5)  # the old workers stop accepting
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.2)

    def kill_worker(self) -> None:
        pids = self.worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def schedule(
    gunicorn: Gunicorn, database: Relay | SqliteOutage, redis: Redis, outage_seconds: float = 10
) -> list[tuple[str, Callable[[], None]]]:
    def database_down() -> None:
        database.stop()
        time.sleep(outage_seconds)
        database.start()

    def redis_down() -> None:
        redis.stop()
        time.sleep(outage_seconds)
        redis.start()

    return [
        ("kill a worker", gunicorn.kill_worker),
        ("restart the master", gunicorn.restart),
        (f"database down {outage_seconds:g} s", database_down),
        (f"Redis down {outage_seconds:g} s", redis_down),
    ]


def run(
    faults: list[tuple[str, Callable[[], None]]],
    *,
    every: float,
    stop: threading.Event,
    log: Callable[[str, float, float], None],
) -> None:
    """Each fault ``every`` seconds after the last one ended; ``log(name, start, end)``."""
    for name, fault in faults:
        if stop.wait(every):
            return
        started = time.monotonic()
        fault()
        log(name, started, time.monotonic())
