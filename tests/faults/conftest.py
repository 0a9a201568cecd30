"""Fault tests: a Redis of their own (stopped, hung with SIGSTOP, started again), real Celery
workers (killed with SIGKILL), PostgreSQL connections terminated mid-request.

They never touch the machine's shared Redis on 6379 nor stop PostgreSQL. ``make test`` runs them
in a second pytest run, alone and one at a time, after the rest of the suite: they stop and hang
processes and time how long pages take, which other tests running beside them would disturb.
Each module marks itself ``postgres`` (workers, row locks and pg_terminate_backend need it); a
missing ``redis-server`` binary skips them with a "needs Redis" reason, which CI refuses.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection

from assessments import outbox
from certification.celery import app as celery_app
from tests.worker_utils import BASE_DIR, CeleryWorker, database_url, wait_for

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway ``redis-server`` on a free port, in the foreground so that the test holds its
    pid: ``stop()``/``start()`` keep the port, ``pause()``/``resume()`` send SIGSTOP/SIGCONT."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.directory),
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(self.answers, timeout=10, message=f"redis-server on {self.port} did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(0.5)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Redis: the redis-server binary (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _reset_broker_connections() -> None:
    # The app keeps pools of broker connections made from the URL it first saw, and kombu keeps
    # them by URL too: close and forget them all, so that the next publish connects afresh.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def broker(redis_server):
    """This process publishes to the test's own Redis, for real (not eagerly)."""
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = redis_server.url
    celery_app.conf.task_always_eager = False
    _reset_broker_connections()
    try:
        yield redis_server
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        _reset_broker_connections()


@pytest.fixture(autouse=True)
def _outbox_state(monkeypatch):
    """Every test starts with a broker this process has not given up on."""
    monkeypatch.setattr(outbox, "_broker_paused_until", 0.0)
    monkeypatch.setattr(outbox, "_flush_queued_at", float("-inf"))


class FaultWorker(CeleryWorker):
    """A worker started through tests/faults/slow_worker.py: prefork with ``concurrency``
    processes, renders slowed down by ``render_delay`` seconds, each render's process id
    written to ``renders_dir`` when it starts (so a test can kill it mid-render)."""

    def __init__(self, *, concurrency: int, render_delay: float, renders_dir: Path, **kwargs):
        super().__init__(**kwargs)
        self.concurrency = concurrency
        self.renders_dir = renders_dir
        self.env["KOMPETEN_TEST_RENDER_DELAY"] = str(render_delay)
        self.env["KOMPETEN_TEST_RENDERS_DIR"] = str(renders_dir)
        self.hostname = f"kompeten-faults-{time.monotonic_ns()}@{socket.gethostname()}"

    def start(self, *, timeout: float = 60) -> None:
        command = [
            sys.executable, "-m", "tests.faults.slow_worker", "-A", "certification", "worker",
            "--pool=prefork", f"--concurrency={self.concurrency}", "--queues=default",
            "--loglevel=INFO", f"--hostname={self.hostname}", "--without-gossip",
            "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            wait_for(self._ready, timeout=timeout, message="the Celery worker did not start")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its log:\n{self.log()}") from None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def render_pids(self) -> list[int]:
        return [int(path.name) for path in self.renders_dir.iterdir()]


@pytest.fixture
def start_worker(broker, tmp_path_factory):
    """Start workers on the test's Redis and database; every one is stopped after the test."""
    workers: list[FaultWorker] = []

    def start(*, concurrency: int = 1, render_delay: float = 0.0) -> FaultWorker:
        worker = FaultWorker(
            concurrency=concurrency,
            render_delay=render_delay,
            renders_dir=tmp_path_factory.mktemp("renders"),
            # Only exists once django_db_setup has created it.
            database_url=database_url(connection.settings_dict),
            redis_url=broker.url,
            mail_dir=tmp_path_factory.mktemp("mail"),
            log_path=tmp_path_factory.mktemp("worker-log") / "celery.log",
        )
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        # Before django_db_setup's teardown: PostgreSQL will not drop a database in use.
        worker.stop()
