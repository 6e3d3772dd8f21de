"""Which task failures Prefect retries (flows/retry.py)."""

from __future__ import annotations

import pytest
from prefect.states import Failed

from balloons.errors import ConfigError
from flows.retry import worth_retrying


@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        (
            OSError(
                "When initiating multiple part upload for key 'a/format.json' in bucket 'lake': AWS Error NO_SUCH_BUCKET"
            ),
            False,
        ),
        (OSError("AWS Error SIGNATURE_DOES_NOT_MATCH during HeadObject operation"), False),
        (OSError("AWS Error ACCESS_DENIED during ListObjectsV2 operation"), False),
        (ConfigError("BALLOONS_TIMEZONE is not a zone"), False),
        (OSError("AWS Error NETWORK_CONNECTION during ListObjectsV2 operation: curlCode: 7"), True),
        (OSError(28, "No space left on device"), True),
        (RuntimeError("anything else"), True),
    ],
)
def test_a_failure_a_retry_cannot_mend_is_not_retried(failure: BaseException, retried: bool) -> None:
    """Found by an operator's trial: a missing bucket failed after 26 s of retries, a wrong secret
    after 15 s."""
    assert worth_retrying(None, None, Failed(data=failure)) is retried
