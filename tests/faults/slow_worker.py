"""``python -m tests.faults.slow_worker <celery arguments>``: a Celery worker for fault tests.

Before handing over to Celery it wraps the PDF render of ``assessments.pdf.services`` so that
each render first writes its process id to a file in ``KOMPETEN_TEST_RENDERS_DIR`` and then
sleeps ``KOMPETEN_TEST_RENDER_DELAY`` seconds: the test knows a render is under way, and in
which process, and has time to kill it. Pool processes are forked from this one, so they inherit
the wrapper. Nothing of this reaches production code.
"""

import os
import sys
import time
from pathlib import Path


def _slow_renders() -> None:
    import django

    django.setup()
    from assessments.pdf import services

    delay = float(os.environ.get("KOMPETEN_TEST_RENDER_DELAY") or 0)
    renders_dir = Path(os.environ["KOMPETEN_TEST_RENDERS_DIR"])
    render = services.render_pdf

    def slow_render(*args, **kwargs):
        (renders_dir / str(os.getpid())).touch()
        time.sleep(delay)
        return render(*args, **kwargs)

    services.render_pdf = slow_render


if __name__ == "__main__":
    _slow_renders()
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())
