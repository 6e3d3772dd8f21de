"""The shipped sample: deterministic, current, and shaped to the published figures."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from balloons.ingest import ingest
from balloons.lake.storage import local
from balloons.samples import shipped as sample

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_lake(tmp_path_factory: pytest.TempPathFactory, ctx) -> Path:
    root = tmp_path_factory.mktemp("sample")
    sample.write(root / "raw")
    ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="sample")
    return root / "lake"


def q(lake_dir: Path, sql: str) -> list[tuple]:
    return duckdb.sql(sql.replace("LAKE", str(lake_dir))).fetchall()


def test_generation_is_byte_identical_and_matches_the_committed_files() -> None:
    first, second = sample.generate(), sample.generate()
    assert first == second
    for relative, content in first.items():
        assert (REPO / "data" / "raw" / relative).read_bytes() == content, relative


def test_october_has_71_incursions_and_june_to_december_315_balloons(sample_lake: Path) -> None:
    src = "read_parquet('LAKE/incursions/*/*.parquet', hive_partitioning=true)"
    assert q(sample_lake, f"select count(*) from {src} where month = '2025-10'") == [(71,)]
    assert q(sample_lake, f"select sum(balloons) from {src} where month between '2025-06' and '2025-12'") == [(315,)]
    (peak,) = q(sample_lake, f"select month from {src} group by month order by count(*) desc limit 1")
    assert peak == ("2025-10",)


def test_fifteen_closures_of_2025_at_vilnius_and_kaunas(sample_lake: Path) -> None:
    src = "read_parquet('LAKE/closures/*/*.parquet', hive_partitioning=true)"
    assert q(sample_lake, f"select airport, count(*) from {src} group by all order by all") == [
        ("EYKA", 1),
        ("EYVI", 14),
    ]
    assert q(sample_lake, f"select count(*) from {src} where notes like 'times estimated%'") == [(1,)]
    assert q(sample_lake, f"select count(*) from {src} where source like 'https://%'") == [(15,)]


def test_flights_have_realistic_daily_volume(sample_lake: Path) -> None:
    src = "read_parquet('LAKE/flights/*/*.parquet', hive_partitioning=true)"
    ((per_day,),) = q(
        sample_lake, f"select count(*) / count(distinct scheduled_at::date) from {src} where airport = 'EYVI'"
    )
    assert 60 < per_day < 130
