"""Which failures of a task Prefect retries: not the ones a retry cannot mend.

An object store that refuses the request itself (no such bucket, access denied, a wrong key or
signature) or a setting balloons refuses answers the same a few seconds later: retrying only
delays the one error line by the retry delays (26 s for a missing bucket, measured). Network
errors and everything else keep their retries. (Fetching decides its own: `fetch.http.transient`.)
"""

from typing import Any

from balloons.errors import ConfigError

PERMANENT_S3 = (
    "NO_SUCH_BUCKET",
    "ACCESS_DENIED",
    "SIGNATURE_DOES_NOT_MATCH",
    "INVALID_ACCESS_KEY_ID",
    "NoSuchBucket",
    "AccessDenied",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
)


def permanent(exc: BaseException) -> bool:
    """True when retrying cannot mend `exc`."""
    if isinstance(exc, ConfigError):
        return True
    return isinstance(exc, OSError) and any(code in str(exc) for code in PERMANENT_S3)


def worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's `retry_condition_fn`: retry a failed task unless its failure is `permanent`."""
    failure = state.data
    return not (isinstance(failure, BaseException) and permanent(failure))
