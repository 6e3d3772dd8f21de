"""Where the lake lives (storage.py): one Store interface, the same facts on a local folder and on
S3 (a real S3 protocol server, moto, on 127.0.0.1 - see the `s3_server` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from balloons.errors import ConfigError, LakeError
from balloons.lake import storage

SCHEMA = pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("n", pa.int64())])
ROWS = pa.Table.from_pylist([{"id": "a", "n": 1}, {"id": "b", "n": None}], schema=SCHEMA)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> storage.Store:
    if request.param == "local":
        return storage.local(tmp_path / "lake")
    bucket = request.getfixturevalue("s3_env")
    return storage.s3(f"s3://{bucket}/prefix/lake", env=os.environ)


def names(store: storage.Store, below: str = "") -> list[str]:
    base = store.path(below) if below else store.root
    return [i.path[len(store.root) + 1 :] for i in store.files(base)]


def test_parquet_round_trip_and_listing(store: storage.Store) -> None:
    store.write_parquet(ROWS, store.path("t", "month=2025-10", "data.parquet"))
    store.write_parquet(ROWS.slice(0, 1), store.path("t", "month=2025-09", "data.parquet"))
    assert store.read_parquet(store.path("t", "month=2025-10", "data.parquet"), columns=None, schema=SCHEMA) == ROWS
    assert store.read_parquet(
        store.path("t", "month=2025-09", "data.parquet"), columns=["n"], schema=SCHEMA
    ).to_pylist() == [{"n": 1}]
    assert names(store, "t") == ["t/month=2025-09/data.parquet", "t/month=2025-10/data.parquet"]  # sorted, recursive
    assert store.parquet_rows(store.path("t", "month=2025-10", "data.parquet")) == 2
    assert store.is_file(store.path("t", "month=2025-10", "data.parquet"))
    assert not store.is_file(store.path("t", "month=2025-10"))
    assert names(store, "nothing-here") == []


def test_a_local_write_leaves_no_staging_file_and_lists_none(tmp_path: Path) -> None:
    store = storage.local(tmp_path / "lake")
    target = store.path("t", "data.parquet")
    store.write_parquet(ROWS, target)
    first = os.stat(target).st_ino
    store.write_parquet(ROWS.slice(1), target)
    assert os.stat(target).st_ino != first  # a new file renamed into place, never rewritten in place
    assert list((tmp_path / "lake" / storage.STAGING).iterdir()) == []
    (tmp_path / "lake" / storage.STAGING / "half.parquet").write_bytes(b"PAR1")
    assert names(store) == ["t/data.parquet"]  # staging is never listed
    assert store.clean_staging() == 1


def test_text_files_round_trip_and_missing_reads_none(store: storage.Store) -> None:
    assert store.read_text(store.path("_pending.json")) is None
    store.write_text(store.path("_pending.json"), '{"paths": ["ą.csv"]}')
    assert store.read_text(store.path("_pending.json")) == '{"paths": ["ą.csv"]}'
    store.write_text(store.path("_pending.json"), "[]")
    assert store.read_text(store.path("_pending.json")) == "[]"


def test_keep_copy_and_restore_put_the_old_version_back(store: storage.Store) -> None:
    target = store.path("t", "data.parquet")
    store.write_parquet(ROWS, target)
    store.keep_copy(target, store.path("_undo", "r1", "x.kept"))
    store.write_parquet(ROWS.slice(1), target)
    assert store.parquet_rows(target) == 1
    store.restore(store.path("_undo", "r1", "x.kept"), target)
    assert store.read_parquet(target, columns=None, schema=SCHEMA) == ROWS
    store.delete_tree(store.path("_undo"))
    assert names(store) == ["t/data.parquet"]
    store.delete_tree(store.path("_undo"))  # gone already: nothing to do


def test_delete_removes_the_file_and_its_empty_folder(store: storage.Store) -> None:
    target = store.path("t", "month=2025-10", "data.parquet")
    store.write_parquet(ROWS, target)
    store.delete(target)
    store.delete(target)  # twice is fine
    assert names(store) == []
    if store.local:
        assert not Path(store.path("t", "month=2025-10")).exists()


def test_a_local_scratch_file_is_put_in_the_store_as_it_is(store: storage.Store, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch.parquet"
    pq.write_table(ROWS, scratch)
    store.put_file(scratch, store.path("_work", "r1", "part-0.parquet"))
    assert store.read_parquet(store.path("_work", "r1", "part-0.parquet"), columns=None, schema=SCHEMA) == ROWS


def test_an_unreadable_file_is_a_lake_error_naming_it(store: storage.Store) -> None:
    target = store.path("t", "data.parquet")
    if store.local:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    store.write_text(target, "not parquet")
    with pytest.raises(LakeError, match=r"Cannot read .*t/data\.parquet"):
        store.read_parquet(target, columns=None, schema=SCHEMA)


def test_dataset_reads_hive_months_as_a_column(store: storage.Store) -> None:
    paths = [store.path("t", f"month={m}", "data.parquet") for m in ("2025-09", "2025-10")]
    for path in paths:
        store.write_parquet(ROWS, path)
    table = store.dataset(paths, store.path("t"), SCHEMA).to_table()
    assert sorted(zip(table.column("month").to_pylist(), table.column("id").to_pylist(), strict=True)) == [
        ("2025-09", "a"),
        ("2025-09", "b"),
        ("2025-10", "a"),
        ("2025-10", "b"),
    ]


def test_urls_name_the_store_as_users_wrote_it(tmp_path: Path, s3_env: str) -> None:
    local = storage.local(tmp_path / "x" / ".." / "lake")
    assert local.local and local.url_of(local.path("a")) == local.path("a")
    remote = storage.s3(f"s3://{s3_env}/p/", env=os.environ)
    assert (remote.root, remote.url, remote.local) == (f"{s3_env}/p", f"s3://{s3_env}/p", False)
    assert remote.url_of(remote.path("a", "b")) == f"s3://{s3_env}/p/a/b"
    for bad in ("s3:///nobucket", "gs://bucket/x", "bucket/x"):
        with pytest.raises(ConfigError, match="s3://bucket/prefix"):
            storage.s3(bad, env={})


def test_the_lake_module_imports_pyarrow_dataset_only_to_read() -> None:
    """pyarrow.dataset imports pandas (about half a second): `balloons query` and `status`, which
    import the lake and read no dataset, do without it."""
    code = "import sys\nimport balloons.warehouse, balloons.lake\nprint('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_runs_tasks_share_one_store_per_lake_and_credentials(tmp_path: Path) -> None:
    """Found by a fresh-eyes audit of issue 16: every task of a run built its own Store (ten per
    `balloons run`)."""
    from balloons.settings import Settings
    from flows.ingest import lake_of

    one = Settings(data_dir=tmp_path / "a")
    assert lake_of(one) is lake_of(Settings(data_dir=tmp_path / "a"))
    assert lake_of(one).root == (tmp_path / "a" / "lake").as_posix()
    assert lake_of(Settings(data_dir=tmp_path / "b")) is not lake_of(one)
    s3 = Settings(lake_url="s3://bucket/lake", s3_endpoint_url="http://127.0.0.1:9", s3_access_key_id="k1")
    other = Settings(lake_url="s3://bucket/lake", s3_endpoint_url="http://127.0.0.1:9", s3_access_key_id="k2")
    assert lake_of(s3) is lake_of(s3.model_copy()) and lake_of(s3) is not lake_of(other)
