"""A real browser against the live server: Playwright driving Debian's Chromium.

Every journey gets ``browser`` (one headless Chromium per test process) and opens people with
``open_person``: a fresh browser context (its own cookies) whose page fails the test on a console
error, a failed request or an unexpected HTTP error. ``person.check("name")`` marks a key page:
it saves screenshots at phone and desktop width under test-artifacts/screenshots/<journey>/ and
runs axe-core on it, failing on serious or critical violations. The screenshots written by the
session are listed at the end of the run, so that CI's log shows where they are.

Celery tasks run eagerly inside the live server (settings_test), so mail lands in
EMAIL_FILE_PATH as soon as the request that queued it commits. Journeys that render PDFs ask for
``celery_worker`` (and are marked ``worker``): for them the live server publishes its tasks to
Redis and a real Celery worker (tests/worker_utils.py) on the same test database and media
folder renders the documents, as in production.
"""

import email
import email.message
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.artifacts import SCREENSHOT_DIR
from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in the main thread; Django refuses ORM calls there
# (fixtures, the mail reader) unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# Where the browser fetches axe from; the route in open_person answers it, the app never sees it.
AXE_URL = "/__browser-tests__/axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# axe impacts that fail a journey; "moderate" and "minor" ones are printed only.
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Person:
    """One person at one browser: a context with its own cookies and a watched page."""

    name: str
    journey: str
    base_url: str
    page: object
    problems: list[str] = field(default_factory=list)
    # (status, URL fragment) pairs the journey expects, e.g. a 404 for a forbidden record.
    allowed: list[tuple[int, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        self.page.wait_for_load_state("load")
        return response

    @contextmanager
    def expecting(self, status: int, fragment: str) -> Iterator[None]:
        """Allow one HTTP error status for URLs containing ``fragment`` inside the block."""
        entry = (status, fragment)
        self.allowed.append(entry)
        try:
            yield
        finally:
            self.allowed.remove(entry)

    def assert_clean(self) -> None:
        problems, self.problems[:] = list(self.problems), []
        assert not problems, f"{self.name}'s browser reported:\n" + "\n".join(problems)

    def check(self, name: str) -> None:
        """A key page: no browser errors so far, screenshots at both widths, axe-core."""
        self.page.wait_for_load_state("load")
        self.assert_clean()
        folder = SCREENSHOT_DIR / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        original = self.page.viewport_size
        for label, size in (("390", PHONE), ("1366", DESKTOP)):
            self.page.set_viewport_size(size)
            self.page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(original)
        run_axe(self.page, f"{self.journey}/{name}")
        self.assert_clean()


def run_axe(page, label: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations, print the others."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # The pages' CSP allows scripts from 'self' only: axe is served from a same-origin URL
        # that the context's route answers (open_person), never inlined.
        origin = re.match(r"^https?://[^/]+", page.url).group(0)
        page.add_script_tag(url=f"{origin}{AXE_URL}")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "best-practice"]},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: "
                                               + (n.failureSummary || "").replace(/\\n/g, " ")),
            }));
        }"""
    )
    blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
    for violation in result:
        if violation["impact"] not in BLOCKING_IMPACTS:
            print(f"axe {label}: {violation['impact']} {violation['id']}: {violation['help']}")
    assert not blocking, f"axe-core on {label} ({page.url}):\n" + json.dumps(blocking, indent=2)


@pytest.fixture
def open_person(browser, live_server, request):
    """``open_person("candidate")`` -> a Person with a fresh context at phone width."""
    journey = request.node.name.removeprefix("test_")
    contexts = []

    def _open(name: str) -> Person:
        context = browser.new_context(viewport=PHONE, locale="en-US", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        # English, the msgids, so that locators read like the code; the Indonesian catalogue
        # changes wording without breaking the journeys.
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        contexts.append(context)
        context.route(
            f"{live_server.url}{AXE_URL}",
            lambda route: route.fulfill(
                status=200, content_type="application/javascript", body=AXE_JS.read_bytes()
            ),
        )
        page = context.new_page()
        person = Person(name=name, journey=journey, base_url=live_server.url, page=page)

        def on_console(message):
            # Chromium logs every HTTP error response as a console error too: the expected
            # ones (see Person.expecting) are not faults.
            url = (message.location or {}).get("url", "")
            if message.text.startswith("Failed to load resource") and any(
                fragment in url for _, fragment in person.allowed
            ):
                return
            if message.type == "error":
                person.problems.append(f"console error on {page.url}: {message.text}")

        def on_page_error(error):
            person.problems.append(f"JavaScript exception on {page.url}: {error}")

        def on_request_failed(req):
            # A navigation that replaces a page still loading cancels its requests: not a fault.
            if req.failure and "ERR_ABORTED" in req.failure:
                return
            person.problems.append(f"request failed: {req.method} {req.url} ({req.failure})")

        def on_response(response):
            if response.status < 400:
                return
            if any(
                response.status == status and fragment in response.url
                for status, fragment in person.allowed
            ):
                return
            person.problems.append(
                f"HTTP {response.status}: {response.request.method} {response.url}"
            )

        # data-confirm forms ask "Submit now?": the person clicks OK (Playwright would dismiss).
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)
        return person

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def mail_folder(settings, tmp_path) -> Path:
    """Mail goes to .eml files, as from a worker: pytest-django's test environment would keep it
    in a locmem outbox. One folder per test, so a journey only ever reads its own mail."""
    folder = tmp_path / "mail"
    folder.mkdir()
    settings.EMAIL_BACKEND = "certification.mail.FileAndConsoleBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


@pytest.fixture
def demo(transactional_db):
    """The demo LSP of `make run`: published scheme, TUKs, assessors, an open event."""
    import io

    from django.core.management import call_command

    call_command("seed_demo", allow_without_debug=True, stdout=io.StringIO())


# --- a real Celery worker behind the live server ------------------------------------------------


@pytest.fixture(scope="module")
def _celery_worker(django_db_setup, tmp_path_factory):
    """One worker per module, on the test database and this process's media folder (the worker
    writes the PDFs that the live server hands out). Per module, as in
    tests/certification/test_worker.py: the tests using one are in xdist group "celery-worker",
    and two workers alive at once on one queue would take each other's tasks. Stopped before
    the test database is dropped: PostgreSQL will not drop a database in use."""
    from django.db import connection

    from tests.worker_utils import CeleryWorker, database_url

    folder = tmp_path_factory.mktemp("browser-worker")
    worker = CeleryWorker(
        database_url=database_url(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        mail_dir=folder,
        log_path=folder / "celery.log",
    )
    media = settings.STORAGES["default"]["OPTIONS"]["location"]
    worker.env["KOMPETEN_TEST_MEDIA_ROOT"] = str(media)
    try:
        worker.start(timeout=90)
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker(_celery_worker, settings):
    """Tasks that the live server queues go through Redis to the real worker for this test
    (journeys marked ``worker``: the PDFs), instead of running inside the request."""
    from certification.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    try:
        yield _celery_worker
    finally:
        celery_app.conf.task_always_eager = previous


# --- mail ---------------------------------------------------------------------------------------


def mail_to(
    address: str, *, subject_contains: str = "", timeout: float = 10
) -> email.message.EmailMessage:
    """The newest message to ``address`` in EMAIL_FILE_PATH, waiting for it up to ``timeout``."""
    folder = Path(settings.EMAIL_FILE_PATH)
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(folder.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if address in (message["To"] or "") and subject_contains in (message["Subject"] or ""):
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} ({subject_contains!r}) in {folder}")
        time.sleep(0.2)


def link_path(message, pattern: str) -> str:
    """The path of the first link in a mail whose path matches ``pattern`` (a regex)."""
    body = message.get_body(preferencelist=("plain", "html")).get_content()
    for url in re.findall(r"https?://[^\s\"'<>]+", body):
        path = re.sub(r"^https?://[^/]+", "", url)
        if re.search(pattern, path):
            return path
    raise AssertionError(f"no link matching {pattern!r} in:\n{body}")


# --- two-factor authentication ------------------------------------------------------------------


def pass_second_factor(person, email: str) -> None:
    """After the password, do what the person would when the site asks for a second factor:
    type the authenticator's code, or (an admin's first sign-in, e.g. the demo admin) set up the
    app from the key the setup page shows and continue past the backup codes."""
    import base64

    from django_otp.oath import totp

    from certification import otp
    from certification.models import User

    page = person.page
    path = re.sub(r"^https?://[^/]+", "", page.url)
    if path.startswith("/account/two-factor/setup/"):
        person.check("two-factor-setup")
        key = base64.b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
        page.locator("#id_code").fill(f"{totp(key):06d}")
        page.locator("#id_code").press("Enter")
        page.get_by_role("link", name="I have saved my backup codes").wait_for()
        person.check("two-factor-backup-codes")
        page.get_by_role("link", name="I have saved my backup codes").click()
        page.wait_for_url(lambda url: "/account/two-factor/" not in url)
    elif path.startswith("/login/code/"):
        device = otp.totp_device(User.objects.get(email=email))
        # One step ahead (still accepted): the current step's code may have been used already.
        page.locator("#id_code").fill(f"{totp(device.bin_key, t0=-device.step):06d}")
        page.locator("#id_code").press("Enter")
        page.wait_for_url(lambda url: "/login/code/" not in url)
    else:
        return
    page.wait_for_load_state("load")
