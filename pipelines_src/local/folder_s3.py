"""A folder that plays S3 for the local chain: `s3://<bucket>/<key>` is `<root>/<bucket>/<key>`.
It answers the client calls the local job runner makes, so the chain runs jobs exactly as the
emulator-backed runtime does, without an emulator."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class _Pages:
    def __init__(self, store: FolderS3) -> None:
        self._store = store

    def paginate(self, Bucket: str, Prefix: str = "") -> Iterator[dict[str, Any]]:  # boto3's names
        root = self._store.root / Bucket
        keys = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        yield {"Contents": [{"Key": k} for k in keys if k.startswith(Prefix)]}


class _Body:
    def __init__(self, path: Path) -> None:
        self._path = path

    def read(self) -> bytes:
        return self._path.read_bytes()


class FolderS3:
    """The subset of a boto3 S3 client the job runner uses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, uri: str) -> Path:
        """The local folder or file of an s3:// URI."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.root / bucket / key

    def get_paginator(self, name: str) -> _Pages:
        if name != "list_objects_v2":
            raise NotImplementedError(name)
        return _Pages(self)

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        shutil.copy2(self.root / Bucket / Key, Filename)

    def upload_file(self, Filename: str, Bucket: str, Key: str, ExtraArgs: Any = None) -> None:
        target = self.root / Bucket / Key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Filename, target)

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        target = self.root / Bucket / Key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Body)

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        path = self.root / Bucket / Key
        if not path.is_file():
            raise FileNotFoundError(f"s3://{Bucket}/{Key} does not exist")
        return {"Body": _Body(path)}
