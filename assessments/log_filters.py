"""Logging filters: no NIK in any log line (UU PDP 27/2022)."""

import logging
import re

# A NIK is 16 digits; any 16-digit run that is not part of a longer number is masked, whatever
# the message says it is (a NIK typed into a search box, a form error echoing input...).
NIK_PATTERN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def redact(text: str) -> str:
    return NIK_PATTERN.sub(lambda m: f"{m.group()[:4]}{'*' * 8}{m.group()[-4:]}", text)


class RedactNIKFilter(logging.Filter):
    """Rewrites the record's message (arguments merged in) with every NIK-like number masked.
    Exception tracebacks are formatted later by the handler, so their text is masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
