"""One interface for stored files (blobs), so web instances keep nothing on local disk.

`STORAGE_URL` picks the backend:

* unset (the embedded default): blobs are rows of the `stored_blob` table, written in the same
  transaction as the row that refers to them, so a rolled-back upload leaves nothing behind;
* `s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION[&addressing=path]`: an S3-compatible object
  store (AWS S3, MinIO, Ceph, ...). Credentials come from boto3's usual chain
  (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, a profile or an instance role), never from
  the URL, so the URL can be logged. `endpoint` is optional for AWS itself.

Keys are chosen by the caller (`new_key("resources")` gives an unguessable one) and a blob is
never overwritten under a key: a changed file is a new key. Who may read a blob is decided by
the row that names its key (a resource file, a logo); this module does not check access.
`stored_blob` is a hub-level table for that reason: it holds no meaning without its referrer.

On S3 an upload happens before the database commits; if the transaction then rolls back, the
object is left behind unreferenced (harmless garbage, never a dangling reference).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import utcnow


class StorageError(RuntimeError):
    """The store failed or the blob is missing."""


class StorageConfigError(ValueError):
    """`STORAGE_URL` cannot be understood; the message says what is wrong."""


class Storage(Protocol):
    """What every backend does. Keys are strings like `resources/3f2a...`."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key(prefix: str) -> str:
    """A fresh, unguessable key under `prefix`."""
    return f"{prefix}/{secrets.token_hex(16)}"


# --- in the database -------------------------------------------------------------------------


class StoredBlob(db.Model):
    """A blob kept in the database (the embedded default backend)."""

    __tablename__ = "stored_blob"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DatabaseStorage:
    """Blobs as rows: part of the caller's transaction (flushed, never committed here)."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        db.session.add(StoredBlob(key=key, data=data, content_type=content_type, size=len(data)))
        db.session.flush()

    def get(self, key: str) -> bytes:
        data = db.session.scalar(select(StoredBlob.data).where(StoredBlob.key == key))
        if data is None:
            raise StorageError(f"no blob stored under {key}")
        return bytes(data)

    def delete(self, key: str) -> None:
        db.session.execute(delete(StoredBlob).where(StoredBlob.key == key))

    def exists(self, key: str) -> bool:
        return db.session.scalar(select(StoredBlob.key).where(StoredBlob.key == key)) is not None


# --- S3-compatible object store ------------------------------------------------------------------


class S3Storage:
    """Blobs as objects in one bucket, under an optional prefix."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str | None = None,
        region: str | None = None,
        path_addressing: bool = False,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        config = Config(
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path" if path_addressing else "auto"},
            connect_timeout=5,
            read_timeout=30,
        )
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=region, config=config
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not store {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return answer["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not delete {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageError(f"could not check {key}: {exc}") from exc
        return True


def storage_from_url(url: str | None) -> Storage:
    """The backend `url` names (None or empty: the database)."""
    if not url:
        return DatabaseStorage()
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageConfigError(f"STORAGE_URL must start with s3:// (got {parts.scheme!r})")
    if not parts.hostname:
        raise StorageConfigError("STORAGE_URL must name a bucket: s3://BUCKET?region=...")
    if parts.username or parts.password:
        raise StorageConfigError(
            "STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or use an instance role)"
        )
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "addressing"}
    if unknown:
        raise StorageConfigError(f"STORAGE_URL has unknown options: {', '.join(sorted(unknown))}")
    addressing = query.get("addressing", "auto")
    if addressing not in ("auto", "path"):
        raise StorageConfigError("STORAGE_URL addressing must be auto or path")
    return S3Storage(
        parts.hostname,
        prefix=parts.path,
        endpoint=query.get("endpoint") or None,
        region=query.get("region") or None,
        path_addressing=addressing == "path",
    )


def init_app(app: Flask) -> None:
    """Build the configured backend once per app (a boto3 client is thread-safe and holds no
    mutable data of ours); a bad `STORAGE_URL` stops the app at start, not at first upload."""
    app.extensions["londonhub_storage"] = storage_from_url(app.config.get("STORAGE_URL"))


def get_storage() -> Storage:
    """The app's storage backend."""
    return current_app.extensions["londonhub_storage"]
