"""Keep credentials out of everything balloons writes: console, logs, Prefect run logs and state
messages, artifacts and `status.json`.

One rule, applied by `redact()`: every registered secret value becomes `***`, and so does the
user-info part of any URL (`s3://KEY:SECRET@bucket` → `s3://***@bucket`) and the value of any
credential-like query parameter (`?X-Amz-Signature=…`, `?password=…`). The edge (CLI, flow)
registers the secrets it resolved with `protect()`, which also routes every log record and every
uncaught traceback of the process through the same rule. The library calls `redact()` on what it
writes itself (status.json); it never reads the environment.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"

#: Environment variables whose values are credentials wherever they appear.
CREDENTIAL_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "PREFECT_API_KEY",
    "PREFECT_API_AUTH_STRING",
)

#: Shorter values are not masked: a secret of one to three characters is no secret, and masking
#: it would mangle every line that happens to contain those characters.
MIN_SECRET_LENGTH = 4

_CREDENTIAL_PARAM = re.compile(r"(?i)secret|passw|pwd|token|signature|credential|api_?key|access_?key|auth|^sig$|^key$")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@")
_QUERY_PARAM = re.compile(r"(?P<sep>[?&;])(?P<name>[^=&#\s?;]+)=(?P<value>[^&#\s;]*)")


class _Registry:
    """This process's secrets. Pickles as an empty registry: a served run pickles the flow with our
    modules by value, and neither the secrets nor the lock may travel in that bundle."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.secrets: set[str] = set()
        self.pattern: re.Pattern[str] | None = None
        self.installed = False

    def __reduce__(self) -> tuple[type[_Registry], tuple[()]]:
        return (_Registry, ())


_registry = _Registry()


def url_has_credentials(text: str) -> bool:
    """True when `text` is a URL carrying user-info or a credential-like query parameter."""
    if "://" not in text:
        return False
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return bool(_USERINFO.search(text))
    if "@" in parts.netloc:
        return True
    return any(_CREDENTIAL_PARAM.search(name) for name, _ in parse_qsl(parts.query, keep_blank_values=True))


def secret_values(model: BaseModel, env: Mapping[str, str]) -> set[str]:
    """The SecretStr values of a settings model plus the credential variables of `env`."""
    found = {value.get_secret_value() for value in dict(model).values() if isinstance(value, SecretStr)}
    found |= {env[name] for name in CREDENTIAL_ENV if env.get(name)}
    return {value for value in found if len(value) >= MIN_SECRET_LENGTH}


def register(secrets: Iterable[str]) -> None:
    """Add secret values that `redact()` masks from now on, in this process."""
    with _registry.lock:
        _registry.secrets.update(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
        ordered = sorted(_registry.secrets, key=len, reverse=True)  # a secret containing another goes first
        _registry.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None


def _mask_param(match: re.Match[str]) -> str:
    if not _CREDENTIAL_PARAM.search(match["name"]):
        return match[0]
    return f"{match['sep']}{match['name']}={MASK}"


def redact_text(text: str) -> str:
    """`text` with registered secrets, URL user-info and credential query values masked."""
    pattern = _registry.pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    if "=" in text:
        text = _QUERY_PARAM.sub(_mask_param, text)
    return text


def redact(value: Any) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples are walked; keys too)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact(k): redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value


def scrub_exception(exc: BaseException | None) -> None:
    """Redact the string arguments of `exc` and of its causes in place, so that whoever formats it
    later (a Prefect state message, the CLI's error line, status.json) sees no secret."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        with contextlib.suppress(AttributeError, TypeError):  # a type refusing new args keeps them
            exc.args = tuple(redact(arg) for arg in exc.args)
        exc = exc.__cause__ or exc.__context__


def _redact_record(record: logging.LogRecord) -> None:
    if record.exc_info and record.exc_info[1] is not None:
        scrub_exception(record.exc_info[1])
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed format call stays as logging would show it
        return
    record.msg, record.args = redact_text(message), ()
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    scrub_exception(exc)
    sys.stderr.write(redact_text("".join(traceback.format_exception(kind, exc, tb))))


def protect(secrets: Iterable[str]) -> None:
    """Register `secrets` and, once per process, redact every log record at its creation (so each
    handler — console, files, Prefect's API log handler — gets it redacted) and every uncaught
    traceback. Called by the edge (CLI command, flow) right after settings are resolved."""
    register(secrets)
    with _registry.lock:
        if _registry.installed:
            return
        _registry.installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    sys.excepthook = _excepthook
