"""A real Celery worker in a subprocess, for tests marked ``worker``.

The worker must use the database the test is using (``test_postgres``, or ``test_postgres_gwN``
under pytest-xdist), so it is started after pytest-django has created it and is told its name
through DATABASE_URL. It writes mail to a folder the test reads and logs to a file the test can
search for the task ids it received.
"""

import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url(settings_dict: dict) -> str:
    """The DATABASE_URL of a PostgreSQL connection's settings (as Django holds them)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def wait_for(predicate, *, timeout: float, interval: float = 0.2, message: str = "") -> None:
    """Poll ``predicate`` until it returns true, or fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout:g}s")
        time.sleep(interval)


class CeleryWorker:
    """``celery -A certification worker`` with one solo process on the ``default`` queue."""

    def __init__(self, *, database_url: str, redis_url: str, mail_dir: Path, log_path: Path):
        self.hostname = f"kompeten-test-{os.getpid()}@{socket.gethostname()}"
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "certification.settings_test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None

    def _take_the_queue(self, *, timeout: float = 900) -> None:
        """Wait until no other test process runs a worker on this Redis database.

        Every worker consumes the ``default`` queue of its REDIS_URL: two alive at once (one per
        pytest-xdist process, e.g. a browser journey beside tests/certification/test_worker.py)
        would take each other's tasks and run them against the wrong test database. A lock file
        per Redis URL, held from start() to stop(), lets one run at a time; the other waits."""
        key = hashlib.sha256(self.env["REDIS_URL"].encode()).hexdigest()[:16]
        self._lock = open(Path(tempfile.gettempdir()) / f"kompeten-test-worker-{key}.lock", "w")  # noqa: SIM115
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._lock.close()
                    raise AssertionError(
                        "another test process kept its Celery worker too long"
                    ) from None
                time.sleep(0.5)

    def _release_the_queue(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None and not lock.closed:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    def start(self, *, timeout: float = 30) -> None:
        self._take_the_queue()
        # Messages another process's worker left behind would be delivered to this one first.
        from certification.celery import app

        app.control.purge()
        command = [
            sys.executable, "-m", "celery", "-A", "certification", "worker",
            "--pool=solo", "--queues=default", "--loglevel=INFO",
            f"--hostname={self.hostname}", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            # A session of its own, so that stop() can signal the worker and anything it spawned.
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            wait_for(self._ready, timeout=timeout, message="the Celery worker did not start")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its log:\n{self.log()}") from None

    def _ready(self) -> bool:
        from certification.celery import app

        if self.process.poll() is not None:
            raise AssertionError(f"the Celery worker exited with {self.process.returncode}")
        if "ready." not in self.log():
            return False
        # Ready in its own log is not enough: it must answer through the broker we publish to.
        return bool(app.control.ping(destination=[self.hostname], timeout=1.0))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, *, timeout: float = 10) -> None:
        try:
            if self.process is None or self.process.poll() is not None:
                return
            # SIGTERM is Celery's warm shutdown: it finishes the task in hand, then exits.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        finally:
            self._release_the_queue()
