"""Fakes the tests inject into the library instead of patching it.

`Disk` is a pyarrow filesystem handler that passes every call to a real filesystem (the local
disk unless given another, e.g. a store's S3 filesystem); a test subclasses it to fail, stop or
interleave at a chosen call, and hands `filesystem(handler)` to `balloons.lake.storage.local(path,
fs=...)` or puts it in a `Store` of its own (`dataclasses.replace(store, fs=...)`).
Importable without pytest: the crash tests' fork server uses it too.
"""

from __future__ import annotations

from typing import Any

import pyarrow.fs as pafs


class Disk(pafs.FileSystemHandler):
    def __init__(self, disk: pafs.FileSystem | None = None) -> None:
        self.disk = disk if disk is not None else pafs.LocalFileSystem()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(type(self))

    def get_type_name(self) -> str:
        return f"test-{type(self).__name__}"

    def normalize_path(self, path: str) -> str:
        return str(self.disk.normalize_path(path))

    def get_file_info(self, paths: list[str]) -> Any:
        return self.disk.get_file_info(paths)

    def get_file_info_selector(self, selector: pafs.FileSelector) -> Any:
        return self.disk.get_file_info(selector)

    def create_dir(self, path: str, recursive: bool) -> None:
        self.disk.create_dir(path, recursive=recursive)

    def delete_dir(self, path: str) -> None:
        self.disk.delete_dir(path)

    def delete_dir_contents(self, path: str, missing_dir_ok: bool = False) -> None:
        self.disk.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self) -> None:
        raise NotImplementedError("a test disk never empties its root")

    def delete_file(self, path: str) -> None:
        self.disk.delete_file(path)

    def move(self, src: str, dest: str) -> None:
        self.disk.move(src, dest)

    def copy_file(self, src: str, dest: str) -> None:
        self.disk.copy_file(src, dest)

    def open_input_stream(self, path: str) -> Any:
        return self.disk.open_input_stream(path)

    def open_input_file(self, path: str) -> Any:
        return self.disk.open_input_file(path)

    def open_output_stream(self, path: str, metadata: Any) -> Any:
        return self.disk.open_output_stream(path)

    def open_append_stream(self, path: str, metadata: Any) -> Any:
        return self.disk.open_append_stream(path)


def filesystem(handler: Disk) -> pafs.FileSystem:
    return pafs.PyFileSystem(handler)
