"""Room photos: checked PNG or JPEG images with alt text, added and removed by the workspace's
admins, shown on the public room page and served only for published rooms."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.images import ImageError, check_image
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, tenant_context
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import RoomPhoto

from .conftest import ADMIN

ROOM_ADMIN = "room-admin@hackney.example.org"
STAFF = "staff@hackney.example.org"
CAMDEN_ADMIN = "admin@camden.example.org"
ALT = "The main hall set out in rows, with a stage at the front"


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (60, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (29, 112, 184)).save(buffer, format=image_format)
    return buffer.getvalue()


def noisy_image_bytes(image_format: str, size: tuple[int, int]) -> bytes:
    """An image that does not compress well, to make files of a known large size."""
    from PIL import Image

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


def _truncated(image_format: str) -> bytes:
    data = noisy_image_bytes(image_format, (120, 80))
    return data[: len(data) // 2]


@pytest.fixture
def room(make_room):
    return make_room()


@pytest.fixture
def room_admin(make_user, hackney):
    return make_user(ROOM_ADMIN, name="Rory Admin", workspace=hackney, role="admin")


def upload(
    client, room_id: int, data: bytes, filename: str = "hall.png", alt: str = ALT, slug="hackney"
):
    return client.post(
        f"/b/{slug}/admin/rooms/{room_id}/photos",
        data={"photo-photo": (io.BytesIO(data), filename), "photo-alt_text": alt},
    )


def stored(workspace: Workspace, room_id: int) -> list[RoomPhoto]:
    """The room's photos as stored now, detached and fully loaded (readable without RLS)."""
    db.session.expire_all()
    with tenant_context(workspace.id):
        photos = list(
            db.session.scalars(
                select(RoomPhoto)
                .where(RoomPhoto.room_id == room_id)
                .order_by(RoomPhoto.position)
                .options(undefer(RoomPhoto.data))
            )
        )
    for photo in photos:
        db.session.expunge(photo)
    return photos


def audit_actions(workspace: Workspace) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.workspace_id == workspace.id)
            .order_by(AuditEvent.id)
        )
    )


def add_directly(admin, hackney, room_id: int, count: int = 1) -> list[int]:
    ids = [
        services.add_photo(admin, hackney, room_id, image_bytes(), f"Photo {n}").id
        for n in range(count)
    ]
    db.session.commit()
    return ids


# --- accepted and served -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "filename", "content_type"),
    [
        ("PNG", "hall.png", "image/png"),
        ("JPEG", "hall.jpg", "image/jpeg"),
        ("JPEG", "hall.png", "image/jpeg"),  # judged by the bytes, never the name
    ],
    ids=["png", "jpeg", "jpeg-named-png"],
)
def test_admin_adds_a_photo_and_it_is_served_and_shown(
    client, auth, room_admin, hackney, room, image_format, filename, content_type
) -> None:
    data = image_bytes(image_format)
    auth.login(ROOM_ADMIN)
    response = upload(client, room.id, data, filename)
    assert response.status_code == 302
    (photo,) = stored(hackney, room.id)
    assert photo.data == data
    assert photo.content_type == content_type
    assert photo.alt_text == ALT
    assert "rooms.photo_added" in audit_actions(hackney)

    auth.logout()
    served = client.get(f"/b/hackney/rooms/{room.id}/photos/{photo.id}")
    assert served.status_code == 200
    assert served.mimetype == content_type
    assert served.data == data
    assert "max-age" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    page = client.get(f"/b/hackney/rooms/{room.id}").get_data(as_text=True)
    assert f'src="/b/hackney/rooms/{room.id}/photos/{photo.id}"' in page
    assert f'alt="{ALT}"' in page


def test_edit_page_lists_photos_with_alt_text(client, auth, admin, hackney, room) -> None:
    add_directly(admin, hackney, room.id, 2)
    auth.login(ADMIN)
    page = client.get(f"/b/hackney/admin/rooms/{room.id}").get_data(as_text=True)
    assert 'alt="Photo 0"' in page and 'alt="Photo 1"' in page
    assert "Remove photo" in page


def test_photos_keep_their_order(admin, hackney, room) -> None:
    first, second = add_directly(admin, hackney, room.id, 2)
    assert [p.id for p in stored(hackney, room.id)] == [first, second]
    assert [p.position for p in stored(hackney, room.id)] == [0, 1]


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "alt", "message"),
    [
        (SVG, "hall.svg", ALT, "The photo must be a PNG or JPEG image"),
        (b"this is not an image at all\n" * 10, "hall.png", ALT, "must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\nnot really a png", "hall.png", ALT, "damaged"),
        (_truncated("PNG"), "hall.png", ALT, "damaged"),
        (_truncated("JPEG"), "hall.jpg", ALT, "damaged"),
        (image_bytes("PNG", (4001, 2)), "wide.png", ALT, "at most 4000 by 4000 pixels"),
        (image_bytes(), "hall.png", "", "Describe the photo for people who cannot see it"),
        (image_bytes(), "hall.png", "   ", "Describe the photo for people who cannot see it"),
        (image_bytes(), "hall.png", "x" * 301, "300 characters or fewer"),
        (b"", "hall.png", ALT, "Choose a photo file to upload"),
    ],
    ids=[
        "svg",
        "text-named-png",
        "fake-png-header",
        "truncated-png",
        "truncated-jpeg",
        "too-wide",
        "no-alt-text",
        "blank-alt-text",
        "long-alt-text",
        "empty-file",
    ],
)
def test_bad_photo_is_refused_with_a_clear_error_and_nothing_stored(
    client, auth, admin, hackney, room, data, filename, alt, message
) -> None:
    auth.login(ADMIN)
    response = upload(client, room.id, data, filename, alt)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text
    assert "There is a problem" in text
    assert stored(hackney, room.id) == []
    assert "rooms.photo_added" not in audit_actions(hackney)


def test_upload_without_a_file_is_refused(client, auth, admin, hackney, room) -> None:
    auth.login(ADMIN)
    response = client.post(
        f"/b/hackney/admin/rooms/{room.id}/photos",
        data={"photo-alt_text": ALT},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose a PNG or JPEG photo to upload" in response.get_data(as_text=True)
    assert stored(hackney, room.id) == []


def test_at_most_six_photos_per_room(client, auth, admin, hackney, room) -> None:
    add_directly(admin, hackney, room.id, services.MAX_PHOTOS)
    auth.login(ADMIN)
    response = upload(client, room.id, image_bytes())
    assert response.status_code == 400
    assert "at most 6 photos" in response.get_data(as_text=True)
    assert len(stored(hackney, room.id)) == 6
    with pytest.raises(services.RoomError, match="at most 6 photos"):
        services.add_photo(admin, hackney, room.id, image_bytes(), ALT)
    db.session.rollback()


class TestSmallLimit:
    @pytest.fixture
    def app_config(self, app_config: dict) -> dict:
        app_config["ROOM_PHOTO_MAX_BYTES"] = 4 * 1024
        return app_config

    def test_photo_over_the_size_limit_is_refused(self, client, auth, admin, hackney, room) -> None:
        data = noisy_image_bytes("PNG", (50, 50))
        assert len(data) > 4 * 1024
        auth.login(ADMIN)
        response = upload(client, room.id, data)
        assert response.status_code == 400
        assert "The photo must be smaller than 4 KB" in response.get_data(as_text=True)
        assert stored(hackney, room.id) == []

    def test_photo_under_the_size_limit_is_accepted(
        self, client, auth, admin, hackney, room
    ) -> None:
        auth.login(ADMIN)
        assert upload(client, room.id, image_bytes("PNG", (50, 50))).status_code == 302
        assert len(stored(hackney, room.id)) == 1

    def test_photo_past_the_request_limit_comes_back_to_the_form(
        self, client, auth, admin, hackney, room
    ) -> None:
        """Issue 10, item 6: a 3 MB body (over MAX_CONTENT_LENGTH) gets the form, not a 413 page."""
        auth.login(ADMIN)
        body = (
            b'--b0undary\r\nContent-Disposition: form-data; name="photo-photo"; '
            b'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
            + b"\x89PNG\r\n\x1a\n"
            + b"0" * (3 * 1024 * 1024)
            + b"\r\n--b0undary--\r\n"
        )
        response = client.post(
            f"/b/hackney/admin/rooms/{room.id}/photos",
            data=body,
            content_type="multipart/form-data; boundary=b0undary",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "The photo must be smaller than 4 KB" in page
        assert 'enctype="multipart/form-data"' in page
        assert stored(hackney, room.id) == []


def test_default_size_limit_is_one_mebibyte(app) -> None:
    assert "ROOM_PHOTO_MAX_BYTES" not in app.config
    assert services.photo_max_bytes() == 1024 * 1024


def test_check_image_names_the_field() -> None:
    assert check_image(image_bytes(), max_bytes=10_000, max_pixels=100, field="photo") == (
        "image/png"
    )
    with pytest.raises(ImageError, match="The photo must be at most 10 by 10 pixels"):
        check_image(image_bytes(), max_bytes=10_000, max_pixels=10, field="photo")
    with pytest.raises(ImageError, match="The banner must be a PNG or JPEG image") as caught:
        check_image(SVG, max_bytes=10_000, max_pixels=10, field="banner")
    assert caught.value.field == "banner"
    assert isinstance(caught.value, ValueError)


# --- removing ----------------------------------------------------------------------------------


def test_admin_removes_a_photo(client, auth, admin, hackney, room) -> None:
    kept, removed = add_directly(admin, hackney, room.id, 2)
    auth.login(ADMIN)
    response = client.post(f"/b/hackney/admin/rooms/{room.id}/photos/{removed}/remove")
    assert response.status_code == 302
    assert [p.id for p in stored(hackney, room.id)] == [kept]
    assert "rooms.photo_removed" in audit_actions(hackney)
    assert client.get(f"/b/hackney/rooms/{room.id}/photos/{removed}").status_code == 404
    again = client.post(f"/b/hackney/admin/rooms/{room.id}/photos/{removed}/remove")
    assert again.status_code == 404


def test_photo_of_another_room_cannot_be_reached_through_this_one(
    client, auth, admin, hackney, make_room
) -> None:
    first, second = make_room(name="Hall"), make_room(name="Studio")
    (photo_id,) = add_directly(admin, hackney, first.id)
    auth.login(ADMIN)
    assert client.get(f"/b/hackney/rooms/{second.id}/photos/{photo_id}").status_code == 404
    response = client.post(f"/b/hackney/admin/rooms/{second.id}/photos/{photo_id}/remove")
    assert response.status_code == 404
    assert len(stored(hackney, first.id)) == 1


# --- who may -----------------------------------------------------------------------------------


def test_staff_cannot_add_or_remove_photos(client, auth, admin, hackney, room, make_user) -> None:
    (photo_id,) = add_directly(admin, hackney, room.id)
    make_user(STAFF, workspace=hackney, role="staff")
    auth.login(STAFF)
    assert upload(client, room.id, image_bytes()).status_code == 403
    response = client.post(f"/b/hackney/admin/rooms/{room.id}/photos/{photo_id}/remove")
    assert response.status_code == 403
    assert [p.id for p in stored(hackney, room.id)] == [photo_id]


def test_another_workspaces_admin_cannot_add_or_remove_photos(
    client, auth, admin, hackney, camden, room, make_user
) -> None:
    (photo_id,) = add_directly(admin, hackney, room.id)
    make_user(CAMDEN_ADMIN, workspace=camden, role="admin")
    auth.login(CAMDEN_ADMIN)
    # Through their own workspace: this room is not theirs, so there is no such room.
    assert upload(client, room.id, image_bytes(), slug="camden").status_code == 404
    remove = f"/b/camden/admin/rooms/{room.id}/photos/{photo_id}/remove"
    assert client.post(remove).status_code == 404
    assert client.get(f"/b/camden/rooms/{room.id}/photos/{photo_id}").status_code == 404
    # Through Hackney's admin: they are not a member.
    assert upload(client, room.id, image_bytes()).status_code == 403
    remove = f"/b/hackney/admin/rooms/{room.id}/photos/{photo_id}/remove"
    assert client.post(remove).status_code == 403
    assert [p.id for p in stored(hackney, room.id)] == [photo_id]
    assert "rooms.photo_removed" not in audit_actions(hackney)
    assert not [a for a in audit_actions(camden) if a.startswith("rooms.")]


def test_suspended_workspace_cannot_add_photos(client, auth, admin, hackney, room) -> None:
    workspace = db.session.get(Workspace, hackney.id)
    workspace.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    auth.login(ADMIN)
    assert upload(client, room.id, image_bytes()).status_code == 403
    assert stored(hackney, room.id) == []


def test_unpublished_rooms_photos_are_hidden_from_the_public(
    client, auth, admin, hackney, make_room, make_user
) -> None:
    room = make_room(published=False)
    (photo_id,) = add_directly(admin, hackney, room.id)
    path = f"/b/hackney/rooms/{room.id}/photos/{photo_id}"
    assert client.get(path).status_code == 404
    make_user(STAFF, workspace=hackney, role="staff")
    auth.login(STAFF)
    assert client.get(path).status_code == 404
    auth.logout()
    auth.login(ADMIN)
    served = client.get(path)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert "public" not in served.headers["Cache-Control"]
