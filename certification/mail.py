import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class FileAndConsoleBackend(BaseEmailBackend):
    """Writes each message to its own .eml file under EMAIL_FILE_PATH, which the web process, a
    Celery worker and the tests can all read; in development it also echoes the message to the
    console so that a new user sees verification links without a mail server."""

    def __init__(self, *args, file_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = Path(file_path or settings.EMAIL_FILE_PATH)
        self.path.mkdir(parents=True, exist_ok=True)

    def send_messages(self, email_messages) -> int:
        echo = getattr(settings, "KOMPETEN_MAIL_ECHO", settings.DEBUG)
        for message in email_messages:
            raw = message.message().as_bytes()
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
            (self.path / name).write_bytes(raw)
            if echo:
                sys.stdout.write(raw.decode("utf-8", "replace") + "\n" + "-" * 79 + "\n")
                sys.stdout.flush()
        return len(email_messages)
