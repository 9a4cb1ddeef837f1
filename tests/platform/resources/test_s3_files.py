"""With STORAGE_URL set, resource files go to the object store and nowhere else."""

from __future__ import annotations

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.storage import S3Storage, StoredBlob, get_storage
from londonhub.platform.resources import pool

from ..core.test_storage import BUCKET, s3_url  # noqa: F401 - the fixture
from .conftest import PDF


@pytest.fixture
def app_config(app_config: dict, s3_url: str) -> dict:  # noqa: F811
    app_config["STORAGE_URL"] = s3_url
    return app_config


def test_uploaded_file_is_stored_in_s3_and_downloaded_from_it(
    client, hackney, hackney_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff, files=[("guide.pdf", PDF)])
    [row] = pool.published_files(resource.id)
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    stored = storage.client.get_object(Bucket=BUCKET, Key=f"uploads/{row.storage_key}")
    assert stored["Body"].read() == PDF
    assert db.session.query(StoredBlob).count() == 0
    answer = client.get(f"/resources/{resource.id}/files/{row.id}")
    assert answer.status_code == 200 and answer.data == PDF
