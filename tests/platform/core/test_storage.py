"""The storage interface: blobs in the database by default, in an S3-compatible store with
STORAGE_URL. The S3 tests run the real boto3 client against moto's server on a free port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from londonhub.platform.core.extensions import db
from londonhub.platform.core.storage import (
    DatabaseStorage,
    S3Storage,
    StorageConfigError,
    StorageError,
    StoredBlob,
    get_storage,
    new_key,
    storage_from_url,
)

BUCKET = "londonhub-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 in server mode on a free port, with one empty bucket; yields a STORAGE_URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        # moto keeps its state per process, across servers: start from nothing.
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name="eu-west-2"
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        yield f"s3://{BUCKET}/uploads?endpoint={endpoint}&region=eu-west-2&addressing=path"
    finally:
        server.stop()


def test_database_storage_is_the_default_and_part_of_the_transaction(app) -> None:
    storage = get_storage()
    assert isinstance(storage, DatabaseStorage)
    key = new_key("test")
    storage.put(key, b"hello", "text/plain")
    assert storage.exists(key) and storage.get(key) == b"hello"
    db.session.rollback()  # the blob goes with the action that failed
    assert not storage.exists(key)
    storage.put(key, b"kept", "text/plain")
    db.session.commit()
    assert db.session.get(StoredBlob, key).size == 4
    storage.delete(key)
    db.session.commit()
    with pytest.raises(StorageError):
        storage.get(key)


def test_s3_storage_round_trip_through_boto3(app, s3_url) -> None:
    storage = storage_from_url(s3_url)
    assert isinstance(storage, S3Storage)
    key = new_key("resources")
    storage.put(key, b"%PDF-1.4 data", "application/pdf")
    assert storage.exists(key)
    assert storage.get(key) == b"%PDF-1.4 data"
    head = storage.client.head_object(Bucket=BUCKET, Key=f"uploads/{key}")
    assert head["ContentType"] == "application/pdf"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StorageError):
        storage.get(key)
    assert db.session.query(StoredBlob).count() == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://bucket", "must start with s3://"),
        ("s3://?region=x", "must name a bucket"),
        ("s3://key:secret@bucket", "must not carry credentials"),
        ("s3://bucket?colour=blue", "unknown options: colour"),
        ("s3://bucket?addressing=virtual", "addressing must be auto or path"),
    ],
)
def test_bad_storage_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(StorageConfigError, match=message):
        storage_from_url(url)


def test_unreachable_store_is_a_storage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    storage = storage_from_url(
        f"s3://{BUCKET}?endpoint=http://127.0.0.1:{_free_port()}&region=eu-west-2"
    )
    storage.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(StorageError):
        storage.put("k", b"x", "text/plain")
