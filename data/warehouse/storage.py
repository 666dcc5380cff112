"""Where a warehouse lives: a local directory or an S3 bucket (``s3://bucket/prefix``).

Data files are immutable once committed, so a remote file copied into the local read cache is
never stale; DuckDB then reads the copies (its own S3 support is an extension that would need
a download at run time)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from pyarrow import fs as pafs

S3_ENV = {
    "AWS_ENDPOINT_URL": "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY": "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN": "AWS_SESSION_TOKEN",
    "AWS_REGION": "AWS_REGION",
    "AWS_ALLOW_HTTP": "AWS_ALLOW_HTTP",
}


def is_remote(root: str | Path) -> bool:
    return isinstance(root, str) and root.startswith("s3://")


class Storage:
    """File operations under a warehouse root. Local roots take paths, remote ones URIs."""

    def __init__(
        self,
        root: str | Path,
        options: dict[str, str] | None = None,
        cache_dir: str | Path | None = None,
    ):
        self.remote = is_remote(root)
        if not self.remote:
            self.root_uri = str(Path(root).absolute())
            self.options: dict[str, str] | None = None
            self._fs = None
            return
        self.root_uri = str(root).rstrip("/")
        merged = {key: os.environ[env] for key, env in S3_ENV.items() if os.environ.get(env)}
        merged.update(options or {})
        self.options = merged
        endpoint = merged.get("AWS_ENDPOINT_URL", "")
        scheme = "http" if endpoint.startswith("http://") else "https"
        self._fs = pafs.S3FileSystem(
            access_key=merged.get("AWS_ACCESS_KEY_ID"),
            secret_key=merged.get("AWS_SECRET_ACCESS_KEY"),
            session_token=merged.get("AWS_SESSION_TOKEN"),
            region=merged.get("AWS_REGION", "us-east-1"),
            endpoint_override=endpoint.split("://", 1)[-1] or None,
            scheme=scheme,
        )
        digest = hashlib.sha256(self.root_uri.encode()).hexdigest()[:16]
        base = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "callscope-wh"
        self.cache = base / digest

    # -- names ----------------------------------------------------------------------------
    @property
    def _s3(self) -> pafs.S3FileSystem:
        if self._fs is None:
            raise RuntimeError(f"{self.root_uri} is a local warehouse, not an object store")
        return self._fs

    def uri(self, *parts: str) -> str:
        return "/".join([self.root_uri, *parts])

    def _key(self, *parts: str) -> str:
        """The pyarrow filesystem path (``bucket/prefix/...``) of a remote object."""
        return self.uri(*parts).removeprefix("s3://")

    def exists(self, *parts: str) -> bool:
        if not self.remote:
            return os.path.exists(self.uri(*parts))
        return self._s3.get_file_info(self._key(*parts)).type != pafs.FileType.NotFound

    def list_tables(self) -> list[str]:
        if not self.remote:
            root = Path(self.root_uri)
            return [p.name for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
        selector = pafs.FileSelector(self._key(), allow_not_found=True)
        return [
            info.base_name
            for info in self._s3.get_file_info(selector)
            if info.type == pafs.FileType.Directory
        ]

    # -- data files -----------------------------------------------------------------------
    def write(self, table: str, rel: str, fill: Callable[[Path], object]) -> Path:
        """``fill(path)`` writes a new data file, which is made durable at ``table/rel``;
        returns a local path holding it. Nothing reads it before a commit names it; a writer
        killed before that leaves an unreferenced file that the retention job removes."""
        if not self.remote:
            target = Path(self.uri(table, rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            fill(target)
            with open(target, "rb") as handle:
                os.fsync(handle.fileno())
            return target
        target = self.cache / table / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
        try:
            fill(partial)
            with (
                open(partial, "rb") as src,
                self._s3.open_output_stream(self._key(table, rel)) as out,
            ):
                shutil.copyfileobj(src, out, 1 << 20)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    def local_path(self, table: str, rel: str) -> Path:
        """A local path holding ``table/rel``: the file itself, or its cached copy."""
        if not self.remote:
            return Path(self.uri(table, rel))
        target = self.cache / table / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
            try:
                with (
                    self._s3.open_input_stream(self._key(table, rel)) as src,
                    open(partial, "wb") as out,
                ):
                    shutil.copyfileobj(src, out, 1 << 20)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        return target

    def size(self, table: str, rel: str) -> int:
        if not self.remote:
            return os.path.getsize(self.uri(table, rel))
        return self._s3.get_file_info(self._key(table, rel)).size
