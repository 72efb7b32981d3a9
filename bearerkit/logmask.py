"""Credentials masked in the DEBUG log lines of urllib3 and requests-cache.

bearerkit's own log lines carry masked URLs, but the libraries under it log the
request line as sent (``"GET /3/movie?api_key=… HTTP/1.1" 200``) when someone turns
on DEBUG logging to see what is going on. :func:`install` puts a filter on their
loggers that rewrites each record's message with :func:`bearerkit.redact.mask_query_text`
and scrubs every secret a live auth object holds (:func:`bearerkit.secrets.known_secrets`),
in every encoding: a token in a URL path, or percent-encoded in a query.
A logger's filters only see records made on that logger, not on its children, so the
filter goes on every module logger of those packages; the client installs it each
time one is created (requests-cache's loggers appear when a cache is first used).
"""

from __future__ import annotations

import logging

from .redact import mask_query_text, scrub
from .secrets import known_secrets

__all__ = ["MaskingFilter", "install"]

LIBRARY_LOGGERS = ("urllib3", "requests_cache")


class MaskingFilter(logging.Filter):
    """Rewrite a record's message with credentials masked: ``api_key=``-style pairs,
    ``user:pw@``, and every known secret in any encoding."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's to report, not ours
            return True
        masked = scrub(mask_query_text(message), known_secrets())
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_FILTER = MaskingFilter()


def install() -> None:
    """Put the filter on every existing logger of urllib3 and requests-cache (idempotent)."""
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".", 1)[0] in LIBRARY_LOGGERS
    ]
    for name in {*LIBRARY_LOGGERS, *names}:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
