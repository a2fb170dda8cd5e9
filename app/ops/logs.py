"""Secrets that travel in URLs are kept out of the logs."""

import logging
import re

# The calendar feed's URL is its credential (calendar apps cannot send a header).
SECRET_PATHS = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")
REDACTED = r"\1[redacted]\2"
# So is an e-mail's unsubscribe link (app/notifications/unsubscribe.py).
UNSUBSCRIBE_PATHS = re.compile(r"(/unsubscribe/)[^/?#\s]+")


def redact(text: str) -> str:
    return UNSUBSCRIBE_PATHS.sub(r"\1[redacted]", SECRET_PATHS.sub(REDACTED, text))


class RedactSecrets(logging.Filter):
    """Rewrites the secrets in a record's arguments (uvicorn's access log passes the
    path as one) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
