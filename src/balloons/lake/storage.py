"""Where the lake lives: a local folder or an S3 prefix, behind one small interface.

Both go through `pyarrow.fs`, so every lake operation reads the same on a laptop and on object
storage. Atomic writes differ by backend and are handled here:
- local: write to `.staging/` beside the lake, fsync, then a rename into place (`fs.move`);
- S3: one upload straight to the final key; S3 shows an object only once its upload completed
  (a single PUT, or CompleteMultipartUpload), so an interrupted upload is never visible.
Credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION, AWS_ENDPOINT_URL) unless settings override them; they are never logged.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pydantic import SecretStr

from balloons.errors import ConfigError, LakeError
from balloons.settings import Settings

if TYPE_CHECKING:
    import pyarrow.dataset as ds

STAGING = ".staging"


@dataclass(frozen=True)
class Store:
    """A lake root on a filesystem. `root` has no trailing slash; paths are '/'-joined strings."""

    fs: pafs.FileSystem = field(repr=False)
    root: str
    url: str
    local: bool

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def is_file(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type == pafs.FileType.File)

    def files(self, path: str) -> list[pafs.FileInfo]:
        """Every file below `path`, recursively, staging excluded."""
        selector = pafs.FileSelector(path, allow_not_found=True, recursive=True)
        found = [i for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.File]
        return sorted((i for i in found if f"/{STAGING}/" not in i.path), key=lambda i: i.path)

    def entries(self, path: str) -> list[pafs.FileInfo]:
        """The files and folders directly in `path` (none when it does not exist)."""
        selector = pafs.FileSelector(path, allow_not_found=True, recursive=False)
        return sorted(self.fs.get_file_info(selector), key=lambda i: i.path)

    def read_parquet(self, path: str, *, columns: Sequence[str] | None, schema: pa.Schema | None) -> pa.Table:
        try:
            return pq.read_table(path, columns=list(columns) if columns else None, schema=schema, filesystem=self.fs)
        except (OSError, pa.ArrowException) as exc:
            raise LakeError(f"Cannot read {self.url_of(path)}: {exc}") from exc

    def parquet_rows(self, path: str) -> int:
        with self.fs.open_input_file(path) as handle:
            return int(pq.ParquetFile(handle).metadata.num_rows)

    def parquet_metadata(self, path: str) -> pq.FileMetaData:
        with self.fs.open_input_file(path) as handle:
            return pq.ParquetFile(handle).metadata

    def write_parquet(
        self,
        table: pa.Table,
        path: str,
        *,
        compression: str = "zstd",
        unique: Sequence[str] = (),
        before_replace: Callable[[], None] | None = None,
    ) -> None:
        """Write so that readers see the old file or the new one, never a partial one. Columns
        `unique` (hashes: nearly every value differs) are written without a dictionary or min/max
        statistics, which would cost time and could never help a reader. `before_replace` runs once
        the new file is complete, right before it takes the old one's place."""
        others = [name for name in table.column_names if name not in unique]
        options: dict[str, Any] = {"use_dictionary": others, "write_statistics": others} if unique else {}
        if not self.local:
            if before_replace is not None:
                before_replace()
            pq.write_table(
                table, path, filesystem=self.fs, compression=compression, row_group_size=1_000_000, **options
            )
            return
        staging = Path(self.root) / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        temporary = staging / f"{uuid.uuid4().hex}.parquet"
        try:
            pq.write_table(
                table,
                temporary.as_posix(),
                filesystem=self.fs,
                compression=compression,
                row_group_size=1_000_000,
                **options,
            )
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            if before_replace is not None:
                before_replace()
            self.fs.move(temporary.as_posix(), path)
        finally:
            temporary.unlink(missing_ok=True)

    def put_file(self, source: Path, path: str) -> None:
        """Copy a local file to `path` through the store's filesystem: scratch data, read back once
        by the writing run. Not atomic: only the writing run reads it."""
        if self.local:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as handle, self.fs.open_output_stream(path) as sink:
            while chunk := handle.read(8 << 20):
                sink.write(chunk)

    def read_text(self, path: str) -> str | None:
        if not self.is_file(path):
            return None
        with self.fs.open_input_stream(path) as handle:
            return bytes(handle.read()).decode("utf-8")

    def write_text(self, path: str, text: str) -> None:
        if not self.local:
            with self.fs.open_output_stream(path) as handle:
                handle.write(text.encode("utf-8"))
            return
        staging = Path(self.root) / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        temporary = staging / f"{uuid.uuid4().hex}.json"
        with self.fs.open_output_stream(temporary.as_posix()) as handle:
            handle.write(text.encode("utf-8"))
        self.fs.move(temporary.as_posix(), path)

    def keep_copy(self, path: str, copy: str) -> None:
        """Keep the current version of `path` at `copy` (local: a hard link, no bytes copied)."""
        if not self.local:
            self.fs.copy_file(path, copy)
            return
        Path(copy).parent.mkdir(parents=True, exist_ok=True)
        Path(copy).unlink(missing_ok=True)
        os.link(path, copy)

    def restore(self, copy: str, path: str) -> None:
        """Put a kept version back in place, atomically (readers see the old or the kept file)."""
        if not self.local:
            self.fs.copy_file(copy, path)
            return
        staging = Path(self.root) / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        temporary = staging / f"{uuid.uuid4().hex}.restore"
        os.link(copy, temporary)
        self.fs.move(temporary.as_posix(), path)

    def delete(self, path: str) -> None:
        if self.is_file(path):
            self.fs.delete_file(path)
        if self.local:
            with contextlib.suppress(OSError):  # only an empty partition folder goes
                Path(path).parent.rmdir()

    def delete_tree(self, path: str) -> None:
        """Remove a folder (an S3 prefix) and everything below it, if it exists."""
        if self.fs.get_file_info(path).type == pafs.FileType.Directory:
            self.fs.delete_dir(path)

    def clean_staging(self) -> int:
        """Remove a crashed run's leftovers (local only: S3 never shows unfinished uploads)."""
        staging = Path(self.root) / STAGING
        if not self.local or not staging.is_dir():
            return 0
        removed = 0
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def dataset(self, paths: Sequence[str], base: str, schema: pa.Schema) -> ds.Dataset:
        """Hive-partitioned (month) Parquet files as one Arrow dataset, for DuckDB to scan (imported
        here: pyarrow.dataset imports pandas, half a second a command that reads no lake would pay)."""
        import pyarrow.dataset as ds

        partitioning = ds.partitioning(pa.schema([("month", pa.string())]), flavor="hive")
        full = schema.append(pa.field("month", pa.string()))
        return ds.dataset(
            list(paths),
            schema=full,
            format="parquet",
            filesystem=self.fs,
            partitioning=partitioning,
            partition_base_dir=base,
        )

    def url_of(self, path: str) -> str:
        return path if self.local else f"s3://{path}"


def local(path: Path, fs: pafs.FileSystem | None = None) -> Store:
    """A lake in a local folder. Every file the lake writes goes through `fs` (by default the local
    filesystem): written to `.staging/`, then moved into place. `fs` must be a filesystem over the
    local disk; tests pass one that fails or stops at a chosen write."""
    root = path.expanduser().absolute()
    return Store(fs or pafs.LocalFileSystem(), root.as_posix(), root.as_posix(), True)


def lake_store(settings: Settings, env: Mapping[str, str]) -> Store:
    """The lake the settings point at; `env` supplies the standard AWS variables."""
    url = settings.lake_url
    if not url or not url.startswith("s3://"):
        return local(settings.lake_dir)

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value else None

    return s3(
        url,
        env=env,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key=secret(settings.s3_access_key_id),
        secret_key=secret(settings.s3_secret_access_key),
    )


def s3(
    url: str,
    *,
    env: Mapping[str, str],
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> Store:
    """An S3 (or S3-compatible) lake at s3://bucket/prefix; explicit values override the AWS_* ones."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError(f"BALLOONS_LAKE_URL {url!r} is not s3://bucket/prefix or a local path.")
    endpoint = endpoint_url or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    options: dict[str, object] = {
        "region": region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
    }
    key = access_key or env.get("AWS_ACCESS_KEY_ID")
    secret = secret_key or env.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        options.update(access_key=key, secret_key=secret)
    if endpoint:
        target = urlparse(endpoint)
        options.update(endpoint_override=target.netloc or target.path, scheme=target.scheme or "https")
    root = f"{parsed.netloc}{parsed.path}".rstrip("/")
    return Store(pafs.S3FileSystem(**options), root, f"s3://{root}", False)
