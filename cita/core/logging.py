"""Structured logs: one JSON object per line, carrying the id of the request (or job) being served."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("cita_request_id", default="-")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the current request id to the record."""
        record.request_id = request_id.get()
        return True


# A query string in a URL or a request line: up to the next space or quote.
_QUERY = re.compile(r"\?[^\s\"'>]+")


def _without_query(text: str) -> str:
    return _QUERY.sub("", text)


class PersonalDataFilter(logging.Filter):
    """Keep personal data that travels in requests out of the logs (issue 14, item 10).

    Django's `django.request` and `django.security` loggers put the request in the record; its repr holds
    the query string (a phone number, an email or a code can be there) and a handler may read its body or
    headers. The record keeps the method and the path only, and query strings are cut from the message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the request by "METHOD /path" and drop query strings from the message."""
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            method = getattr(request, "method", None) or "-"
            path = getattr(request, "path", None) or "-"
            record.request = f"{method} {_without_query(str(path))}"
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad arguments: the handler reports them, as without this filter
            return True
        if "?" in message:
            record.msg, record.args = _without_query(message), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        """One JSON line: time, level, logger, message, request id and any `extra` fields."""
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
