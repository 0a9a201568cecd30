"""The screenshots a test session wrote, listed at the end of the run so that CI's log shows
them. Called from tests/conftest.py: under pytest-xdist the controller never loads
tests/browser/conftest.py, and the screenshots are taken in the worker processes."""

import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = BASE_DIR / "test-artifacts" / "screenshots"
SESSION_STARTED = time.time()


def list_screenshots(terminalreporter) -> None:
    if not SCREENSHOT_DIR.exists():
        return
    shots = sorted(
        path
        for path in SCREENSHOT_DIR.rglob("*.png")
        if path.stat().st_mtime >= SESSION_STARTED - 1
    )
    if not shots:
        return
    terminalreporter.section(f"browser screenshots ({len(shots)})")
    for path in shots:
        terminalreporter.write_line(str(path.relative_to(BASE_DIR)))
