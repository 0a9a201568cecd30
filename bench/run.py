"""`make bench [SCALE=small|full]`: figures for docs/performance.md and bench/results/latest.json.

1. The PostgreSQL database ``kompeten_bench`` (BENCH_DATABASE_URL) is dropped and rebuilt: from
   the cached ``pg_dump`` in bench/.cache/ when migrations, the builder and SCALE are unchanged,
   else migrated and filled by bench/dataset.py, then dumped for next time; then VACUUM ANALYZE.
2. Queries and size of each page, requested once warm in-process (django.test.Client).
3. gunicorn with bench.settings (DEBUG off), and wrk: 16 connections per page, the baseline
   view first and last; requests/s, p50/p95/p99, errors, and the ratio to the baseline.
4. Peak RSS of the gunicorn workers after the load; PDF render times; 30 dossiers through a
   Celery worker with two processes (and its RSS); scheme and batch imports.

Environment: SCALE (small), BENCH_SECONDS (5 small, 10 full), BENCH_WORKERS (nproc + 1),
BENCH_CONNECTIONS (16), BENCH_PARTS (pages,pdf,batch,imports: a subset measures less),
BENCH_DATABASE_URL, BENCH_REDIS_URL (redis://127.0.0.1:6379/12).
"""

import hashlib
import io
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = BASE_DIR / "bench" / ".cache"
RESULTS = BASE_DIR / "bench" / "results" / "latest.json"
LUA = BASE_DIR / "bench" / "report.lua"
VENV_BIN = Path(sys.executable).parent


def _configure() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault(
        "REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    import django

    django.setup()


# --- 1. the database ----------------------------------------------------------------------------


def cache_key(scale: str) -> str:
    """Migrations, the builder and the scale: any change means a new dump."""
    digest = hashlib.sha256(scale.encode())
    files = sorted(BASE_DIR.glob("*/migrations/*.py")) + [BASE_DIR / "bench" / "dataset.py"]
    for path in files:
        digest.update(str(path.relative_to(BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _db() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "name": db["NAME"],
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
    }


def _pg_env(db: dict) -> dict:
    env = {**os.environ, "PGHOST": db["host"], "PGPORT": db["port"], "PGUSER": db["user"]}
    if db["password"]:
        env["PGPASSWORD"] = db["password"]
    return env


def _recreate_database(db: dict) -> None:
    import psycopg

    with psycopg.connect(
        host=db["host"],
        port=db["port"],
        user=db["user"],
        password=db["password"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        name = psycopg.sql.Identifier(db["name"])
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))


def ensure_database(scale: str) -> tuple[str, float]:
    """The bench database at ``scale``; returns how it was made and the seconds it took."""
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset

    db = _db()
    dump = CACHE_DIR / f"{db['name']}-{scale}-{cache_key(scale)}.dump"
    started = time.perf_counter()
    connection.close()
    _recreate_database(db)
    if dump.exists():
        subprocess.run(
            ["pg_restore", "--no-owner", "-j", "2", "-d", db["name"], str(dump)],
            env=_pg_env(db),
            check=True,
        )
        _analyze()
        return "restored from cache", time.perf_counter() - started
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.0f} s")
    building = time.perf_counter()
    built = dataset.build(scale)
    for label, count in built.counts.items():
        print(f"  {label:45} {count:>10,}")
    print(
        f"  {sum(built.counts.values()):,} rows written in {time.perf_counter() - building:.0f} s"
    )
    connection.close()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CACHE_DIR.glob(f"{db['name']}-{scale}-*.dump"):
        old.unlink()
    subprocess.run(
        ["pg_dump", "-Fc", "-Z", "1", "-f", str(dump), db["name"]], env=_pg_env(db), check=True
    )
    _analyze()
    return "built", time.perf_counter() - started


def _analyze() -> None:
    """Planner statistics and the visibility map, as autovacuum keeps them on a live database:
    neither a bulk load nor pg_restore leaves any, and without them PostgreSQL estimates
    thousands of rows where there are ten and scans whole tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.close()


# --- 2. personas and pages ----------------------------------------------------------------------


def session_for(user) -> str:
    """A signed-in session written straight to the session store (no login form, no axes);
    staff who must use two-factor authentication get a verified TOTP device in it."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        store["otp_device_id"] = device.persistent_id
    store.create()
    return store.session_key


@dataclass
class Page:
    name: str
    path: str
    persona: str  # "" for anonymous
    kind: str  # baseline, floor, light, heavy, public


def pages(ds) -> list[Page]:
    queue = f"/assessments/verification/?state=submitted&scheme={ds.scheme_id}&page=2"
    return [
        Page("baseline", f"/bench/baseline/?number={ds.scheme_number}", "", "baseline"),
        Page(
            "signed_in_floor",
            f"/bench/signed-in-floor/?number={ds.scheme_number}",
            "assessor",
            "floor",
        ),
        Page("assessor_home", "/assessments/assessor/", "assessor", "light"),
        Page("event_matrix", f"/assessments/events/{ds.event_id}/", "assessor", "heavy"),
        Page(
            "ia01_observation",
            f"/assessments/assess/{ds.matrix_assessment_id}/observe/",
            "assessor",
            "heavy",
        ),
        Page(
            "candidate_tracker", f"/assessments/{ds.tracked_assessment_id}/", "candidate", "light"
        ),
        Page("admin_queue", queue, "admin", "light"),
        Page(
            "decision_page", f"/decisions/{ds.reported_assessment_id}/", "decision_maker", "heavy"
        ),
        Page("public_verification", f"/verify/c/{ds.certificate_token}/", "", "public"),
    ]


def sessions(ds) -> dict[str, str]:
    from certification.models import User

    ids = {
        "assessor": ds.assessor_id,
        "candidate": ds.candidate_id,
        "admin": ds.admin_id,
        "decision_maker": ds.decision_maker_id,
    }
    return {persona: session_for(User.objects.get(pk=pk)) for persona, pk in ids.items()}


INPROCESS_REQUESTS = 20


def count_queries(page: Page, cookies: dict[str, str]) -> tuple[int, int, float, float]:
    """Queries and bytes of one warm request (the second: caches filled, as under load), then
    the mean in-process time of INPROCESS_REQUESTS more and the SQL part of it (the database's
    round trips as the driver saw them): what is left is Python, mostly the template."""
    import time

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if page.persona:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[page.persona]
    client.get(page.path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    if response.status_code != 200:
        raise RuntimeError(f"{page.name}: {page.path} answered {response.status_code} in-process")
    count = len(queries)
    sql_seconds = sum(float(q["time"]) for q in queries.captured_queries)
    started = time.perf_counter()
    for _ in range(INPROCESS_REQUESTS):
        client.get(page.path)
    total_ms = (time.perf_counter() - started) * 1000 / INPROCESS_REQUESTS
    return count, len(response.content), round(total_ms, 1), round(sql_seconds * 1000, 1)


# --- 3. gunicorn and wrk ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    log = CACHE_DIR / "gunicorn.log"
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "certification.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
            "--backlog",
            "256",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # Not /healthz: it waits a second for a Celery worker the bench does not start.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5):
                return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn did not start, see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_check(url: str, cookie: str) -> int:
    """The page answers 200 over HTTP with this cookie (wrk would count a redirect as success)."""
    # Always http://127.0.0.1:<port>/...: built by measure_pages, never from input.
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return len(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url} answered {error.code} under gunicorn") from error


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LUA)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    return json.loads(line[5:])


@dataclass
class PageResult:
    name: str
    kind: str
    path: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    queries: int
    bytes: int
    ratio_to_baseline: float
    # One request at a time in the runner's process (no server, no load generator).
    inprocess_ms: float = 0.0
    inprocess_sql_ms: float = 0.0


def _run_page(page: Page, url: str, cookie: str, seconds: int, connections: int) -> dict:
    # A sync worker still serves the requests a finished wrk run left queued: one plain request
    # waits behind them, so every run starts on an idle server.
    size = http_check(url, cookie)
    wrk(url, cookie, 2, connections)  # warm every worker
    http_check(url, cookie)
    figures = wrk(url, cookie, seconds, connections)
    http_check(url, cookie)
    figures["bytes_per_response"] = size
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in figures if k.startswith("errors_"))
    print(f"  {page.name:22} {figures['rps']:8.1f} req/s  p95 {figures['p95_us'] / 1000:7.1f} ms")
    return figures


def measure_pages(ds, seconds: int, workers: int, connections: int) -> tuple[list, dict, dict]:
    """Every page under load, the baseline first and again last (other processes on the machine
    change what it can do: the ratio uses the mean of both)."""
    from django.conf import settings

    cookies = sessions(ds)
    plan = pages(ds)
    counted = {p.name: count_queries(p, cookies) for p in plan}
    port = free_port()
    process = start_gunicorn(port, workers)
    raw: dict[str, dict] = {}
    try:
        for page in [*plan, plan[0]]:
            url = f"http://127.0.0.1:{port}{page.path}"
            cookie = (
                f"{settings.SESSION_COOKIE_NAME}={cookies[page.persona]}" if page.persona else ""
            )
            key = page.name if page.name not in raw else f"{page.name}_again"
            raw[key] = _run_page(page, url, cookie, seconds, connections)
        memory = children_memory_mb(process.pid)
    finally:
        stop(process)
    baseline_rps = (raw["baseline"]["rps"] + raw["baseline_again"]["rps"]) / 2
    results = []
    for page in plan:
        figures = raw[page.name]
        results.append(
            PageResult(
                name=page.name,
                kind=page.kind,
                path=page.path,
                rps=round(figures["rps"], 1),
                p50_ms=round(figures["p50_us"] / 1000, 1),
                p95_ms=round(figures["p95_us"] / 1000, 1),
                p99_ms=round(figures["p99_us"] / 1000, 1),
                errors=figures["errors"],
                queries=counted[page.name][0],
                bytes=figures["bytes_per_response"],
                ratio_to_baseline=round(figures["rps"] / baseline_rps, 3),
                inprocess_ms=counted[page.name][2],
                inprocess_sql_ms=counted[page.name][3],
            )
        )
    drift = {
        "first_rps": round(raw["baseline"]["rps"], 1),
        "last_rps": round(raw["baseline_again"]["rps"], 1),
    }
    return results, {"gunicorn_workers": [round(m, 1) for m in memory]}, drift


# --- 4. PDFs and imports ------------------------------------------------------------------------


def measure_pdfs(ds) -> list[dict]:
    """Each registered document rendered for its subject in the bench dataset (a 10-unit
    assessment with its whole record, its event, its certificate), against a one-page minimal
    document rendered by the same engine."""
    from django.utils import translation

    from assessments.models import Assessment
    from assessments.pdf import registry
    from assessments.pdf.render import render_pdf
    from certification.models import Appeal, Certificate

    assessment = Assessment.objects.get(pk=ds.tracked_assessment_id)
    subjects = {
        "assessment": assessment,
        "event": assessment.event,
        "certificate": Certificate.objects.get(token=ds.certificate_token),
        "decision_letter": assessment.certification_decision.letter,
        "appeal": Appeal.objects.order_by("pk").first(),
    }
    minimal_template = "bench/minimal_pdf.html"
    render_pdf(minimal_template, {})  # fonts and engine loaded once, as in a worker
    started = time.perf_counter()
    render_pdf(minimal_template, {})
    minimal = time.perf_counter() - started
    results = [{"name": "minimal", "seconds": round(minimal, 3), "ratio_to_minimal": 1.0}]
    for key, spec in sorted(registry.documents().items()):
        subject = subjects.get(spec.subject)
        if subject is None:
            results.append(
                {
                    "name": key,
                    "seconds": None,
                    "ratio_to_minimal": None,
                    "note": f"no {spec.subject} subject in the bench dataset",
                }
            )
            continue
        started = time.perf_counter()
        try:
            with translation.override("id"):
                context = spec.builder(subject)
            rendered = (getattr(spec, "renderer", None) or render_pdf)(spec.template, context)
        except Exception as error:  # noqa: BLE001 - a failing document is a figure, not a crash
            results.append(
                {
                    "name": key,
                    "seconds": None,
                    "ratio_to_minimal": None,
                    "note": f"{type(error).__name__}: {error}"[:200],
                }
            )
            continue
        seconds = time.perf_counter() - started
        results.append(
            {
                "name": key,
                "seconds": round(seconds, 3),
                "ratio_to_minimal": round(seconds / minimal, 1),
                "pages": rendered.pages,
            }
        )
        print(f"  {key:22} {seconds:6.2f} s  {rendered.pages} pages")
    return results


def children_memory_mb(parent_pid: int) -> list[float]:
    """Peak RSS (VmHWM) of each child of ``parent_pid`` (gunicorn or Celery workers), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent_pid) and "VmHWM" in fields:
            sizes.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(sizes)


def measure_render_batch(ds, pdf: list[dict]) -> dict:
    """The event's batch of documents (the dossier when registered, else the slowest per-candidate
    document) for the 30 candidates of the bench event, through a Celery worker with two
    processes on the bench Redis database; seconds until every request is ready."""
    import redis
    from django.conf import settings

    from assessments.models import AssessmentEvent, RenderRequest
    from assessments.pdf import registry
    from assessments.pdf.services import render_batch_create
    from certification.celery import app
    from certification.models import User

    documents = registry.documents()
    per_candidate = [d for d in pdf if documents.get(d["name"]) and d.get("seconds")]
    per_candidate = [d for d in per_candidate if documents[d["name"]].subject == "assessment"]
    if "dossier" in documents:
        document = "dossier"
    else:
        document = max(per_candidate, key=lambda d: d["seconds"])["name"]
    # Tasks left by an earlier run (or the batch import's invitations) must not be counted.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    log = CACHE_DIR / "celery.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "certification", "worker", "-Q", "default"]
            + ["-c", "2", "--loglevel", "WARNING", "-n", "bench@%h"],
            cwd=BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while not app.control.ping(timeout=1):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start, see {log}")
        batch = render_batch_create(
            event=AssessmentEvent.objects.get(pk=ds.event_id),
            document=document,
            actor=User.objects.get(pk=ds.admin_id),
        )
        started = time.perf_counter()
        pending = RenderRequest.objects.filter(batch=batch, status__in=RenderRequest.PENDING)
        while pending.exists() and time.perf_counter() - started < 900:
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        failed = RenderRequest.objects.filter(batch=batch, status="failed").count()
        memory = children_memory_mb(worker.pid)
    finally:
        stop(worker)
    print(f"  batch of {batch.total} x {document}: {seconds:6.1f} s, {failed} failed")
    return {
        "document": document,
        "count": batch.total,
        "workers": 2,
        "seconds": round(seconds, 1),
        "failed": failed,
        "celery_workers_mb": [round(m, 1) for m in memory],
    }


def measure_imports(ds) -> dict:
    """A 10-unit scheme CSV into the unit library, and 1,000 candidates registered in an open
    event through the institution batch service."""
    import datetime
    import tempfile

    from django.core.management import call_command
    from django.utils import timezone

    from assessments.models import TUK, AssessmentEvent
    from certification.models import User
    from certification.services_batch import batch_register

    lines = ["unit_code,unit_title,element_number,element_title,criterion_number,criterion_text"]
    for u in range(10):
        for e in range(1, 5):
            for c in range(1, 4):
                lines.append(
                    f"J.999000.{u:03d}.01,Unit impor {u},{e},Elemen {e} unit {u},{e}.{c},"
                    f"Kriteria {e}.{c} dilakukan sesuai prosedur."
                )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    started = time.perf_counter()
    call_command("import_scheme", handle.name, "--library", stdout=io.StringIO())
    scheme_seconds = time.perf_counter() - started
    os.unlink(handle.name)

    event = AssessmentEvent.objects.create(
        code="EV-BATCH",
        name="Uji Kompetensi Batch",
        scheme_version_id=ds.scheme_version_id,
        tuk=TUK.objects.order_by("pk").first(),
        starts_at=timezone.now() + datetime.timedelta(days=30),
        ends_at=timezone.now() + datetime.timedelta(days=30, hours=8),
        quota=1000,
        status=AssessmentEvent.Status.OPEN,
    )
    rows = [
        {
            "full_name": f"Peserta Batch {n}",
            "email": f"batch{n}@sekolah.example.com",
            "nik": f"3275{n:012d}",
            "birth_place": "Bekasi",
            "birth_date": "2005-03-01",
            "sex": "L" if n % 2 else "P",
            "address": "Jl. Pendidikan No. 1, Bekasi",
            "phone": "081298765432",
            "education": "SMK",
            "institution": "SMK Negeri 1 Bekasi",
            "position": "Siswa",
        }
        for n in range(1000)
    ]
    started = time.perf_counter()
    batch_register(event_id=event.pk, rows=rows, actor=User.objects.get(pk=ds.admin_id))
    batch_seconds = time.perf_counter() - started
    print(f"  scheme CSV (10 units)  {scheme_seconds:6.2f} s")
    print(f"  batch (1,000 rows)     {batch_seconds:6.2f} s")
    return {
        "scheme_csv_10_units_seconds": round(scheme_seconds, 3),
        "batch_1000_rows_seconds": round(batch_seconds, 3),
    }


# --- the run ------------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def code_version() -> str:
    """The commit measured, with "+changes" when the working tree differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def print_table(results: list[PageResult]) -> None:
    header = f"{'page':22} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} "
    header += f"{'SQL':>4} {'KB':>6} {'x base':>7} {'1-req ms':>9} {'SQL ms':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:22} {r.rps:8.1f} {r.p50_ms:7.1f} {r.p95_ms:7.1f} {r.p99_ms:7.1f} "
            f"{r.errors:4d} {r.queries:4d} {r.bytes / 1024:6.1f} {r.ratio_to_baseline:7.3f} "
            f"{r.inprocess_ms:9.1f} {r.inprocess_sql_ms:7.1f}"
        )


def main() -> int:
    if not shutil.which("wrk"):
        prefix = "" if os.geteuid() == 0 else "sudo "
        print("make bench needs wrk (the load generator). Install it with:\n")
        print(f"    {prefix}apt-get install -y wrk\n")
        return 1
    scale = os.environ.get("SCALE", "small")
    seconds = int(os.environ.get("BENCH_SECONDS", "10" if scale == "full" else "5"))
    workers = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    parts = set(os.environ.get("BENCH_PARTS", "pages,pdf,batch,imports").split(","))
    _configure()
    from django.core.management import call_command

    from bench import dataset

    print(f"Dataset ({scale}) ...")
    how, data_seconds = ensure_database(scale)
    print(f"  {how} in {data_seconds:.0f} s")
    call_command("collectstatic", "--noinput", verbosity=0)
    ds = dataset.lookup()
    print(f"Pages: {connections} connections, {seconds} s each, {workers} gunicorn workers")
    load_before = os.getloadavg()
    results, memory, drift = [], {"gunicorn_workers": []}, {}
    if "pages" in parts:
        results, memory, drift = measure_pages(ds, seconds, workers, connections)
    load_after = os.getloadavg()
    pdf, batch, imports = [], {"celery_workers_mb": []}, {}
    if "pdf" in parts:
        print("PDF documents ...")
        pdf = measure_pdfs(ds)
    if "batch" in parts and pdf:
        print("PDF batch through Celery ...")
        batch = measure_render_batch(ds, pdf)
    if "imports" in parts:
        print("Imports ...")
        imports = measure_imports(ds)
    baseline = {**asdict(results[0]), **drift} if results else {}
    report = {
        "scale": scale,
        "dataset": {"how": how, "seconds": round(data_seconds, 1)},
        "machine": machine(),
        "settings": {"seconds": seconds, "connections": connections, "workers": workers},
        # Other processes on the machine while the pages were measured (1-minute load average).
        "load_average": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": code_version(),
        "parts": sorted(parts),
        "baseline": baseline,
        "pages": [asdict(r) for r in results[1:]],
        "pdf": pdf,
        "pdf_batch": batch,
        "imports": imports,
        "memory_mb": {**memory, "celery_workers": batch["celery_workers_mb"]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    stamped = RESULTS.with_name(f"{scale}-{report['measured_at'].replace(':', '')}.json")
    stamped.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print_table(results)
    print(f"\nWritten to {RESULTS.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
