"""Where converted layers go: a local folder or an S3 prefix, never left looking complete early.

Contract:
- `Store.put(key, data)` / `Store.put_file(key, path)` write one object under the destination
  (`put_file` takes the file over: the local store moves it, the S3 store reads it before
  `publish()` returns, so the caller neither changes nor needs it afterwards);
  `Store.publish(infos)` waits for every pending write, then writes the `info` objects in the
  order given (deepest first, the layer roots last). Neuroglancer opens a layer through its
  `info`, so an interrupted conversion never looks complete.
- `LocalStore` writes into a hidden sibling `.NAME.partial-XXXX/` and renames it onto `NAME` in
  `publish`; `abort()` removes the partial folder.
- `S3Store` uploads with a thread pool (at most `2 * workers` writes in flight, so memory stays
  bounded), botocore's standard retry mode, and writes the `info` objects only after every
  upload has succeeded; the first failed upload fails the conversion.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from linc_edge_auth.errors import UserError


class Store:
    location: str
    scratch: Path | None = None  # where work files should go so put_file can rename them

    def put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def put_file(self, key: str, path: Path) -> None:
        raise NotImplementedError

    def publish(self, infos: list[tuple[str, bytes]]) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    @property
    def writes(self) -> int:
        return 0


class LocalStore(Store):
    def __init__(self, dest: Path, *, overwrite: bool = False) -> None:
        self.dest = dest.resolve()
        if self.dest.exists() and any(self.dest.iterdir()) and not overwrite:
            raise UserError(f"{dest}: exists and is not empty (use --overwrite to replace it)")
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(
            tempfile.mkdtemp(prefix=f".{self.dest.name}.partial-", dir=self.dest.parent)
        )
        self.location = str(self.dest)
        self.scratch = self.dest.parent
        self._writes = 0

    @property
    def writes(self) -> int:
        return self._writes

    def _path(self, key: str) -> Path:
        path = self.tmp / key
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def put(self, key: str, data: bytes) -> None:
        self._path(key).write_bytes(data)
        self._writes += 1

    def put_file(self, key: str, path: Path) -> None:
        # A rename when the spool is on the same file system: shard files can be gigabytes.
        shutil.move(path, self._path(key))
        self._writes += 1

    def publish(self, infos: list[tuple[str, bytes]]) -> None:
        for key, data in infos:
            self.put(key, data)
        if self.dest.exists():
            old = self.dest.with_name(f".{self.dest.name}.old-{os.getpid()}")
            self.dest.rename(old)
            self.tmp.rename(self.dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.tmp.rename(self.dest)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def s3_client(max_attempts: int = 8) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": max_attempts, "mode": "standard"})
    return boto3.client("s3", config=config)


class S3Store(Store):
    def __init__(self, bucket: str, prefix: str, client: Any, *, workers: int = 8) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/"
        self.client = client
        self.location = f"s3://{bucket}/{self.prefix}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="s3-upload")
        self._pending: deque[Future[None]] = deque()
        self._max_pending = 2 * workers
        self._writes = 0

    @property
    def writes(self) -> int:
        return self._writes

    def _submit(self, fn: Any, *args: Any) -> None:
        while len(self._pending) >= self._max_pending:
            self._wait_one()
        self._pending.append(self._pool.submit(fn, *args))

    def _wait_one(self) -> None:
        future = self._pending.popleft()
        try:
            future.result()
        except Exception as exc:
            raise UserError(
                f"upload to {self.location} failed ({exc}); no info was written"
            ) from exc
        self._writes += 1

    def put(self, key: str, data: bytes) -> None:
        self._submit(self._put_object, self.prefix + key, data)

    def _put_object(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def put_file(self, key: str, path: Path) -> None:
        # Read in the worker, so at most `2 * workers` files are in memory at once; the caller
        # keeps `path` until publish() or abort(). upload_file switches to multipart past 8 MiB.
        self._submit(self.client.upload_file, str(path), self.bucket, self.prefix + key)

    def flush(self) -> None:
        while self._pending:
            self._wait_one()

    def publish(self, infos: list[tuple[str, bytes]]) -> None:
        self.flush()
        for key, data in infos:
            try:
                self._put_object(self.prefix + key, data)
            except Exception as exc:
                raise UserError(f"writing {self.location}{key} failed ({exc})") from exc
            self._writes += 1
        self._pool.shutdown(wait=True)

    def abort(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
