"""The workspace's public profile and logo, edited by its owners and admins."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from .helpers import (
    ALPHA_ADMIN,
    ALPHA_OWNER,
    ALPHA_STAFF,
    BETA_OWNER,
    OUTSIDER,
    fresh_workspace,
    image_bytes,
    noisy_image_bytes,
)

PROFILE = {
    "description": "We support 600 community groups in Alpha.\n\nDrop in on Tuesdays.",
    "contact_email": "Hello@Alpha.example.org",
    "contact_phone": "020 7946 0000",
    "website": "https://alpha.example.org/about",
    "accent_colour": "#00703C",
}


def profile(**changes: str) -> dict[str, str]:
    return {**PROFILE, **changes}


@pytest.mark.parametrize("email", [ALPHA_OWNER, ALPHA_ADMIN])
def test_owner_or_admin_edits_the_profile_and_it_appears_publicly(
    client, auth, team, email
) -> None:
    auth.login(email)
    assert client.get("/b/alpha/admin/profile").status_code == 200
    response = client.post("/b/alpha/admin/profile", data=profile())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/b/alpha/admin/profile")

    stored = fresh_workspace("alpha")
    assert stored.description == PROFILE["description"]
    assert stored.contact_email == "hello@alpha.example.org"
    assert stored.contact_phone == "020 7946 0000"
    assert stored.website == "https://alpha.example.org/about"
    assert stored.accent_colour == "#00703c"

    page = client.get("/b/alpha/").get_data(as_text=True)
    assert "We support 600 community groups in Alpha." in page
    assert "Drop in on Tuesdays." in page
    assert 'href="mailto:hello@alpha.example.org"' in page
    assert "020 7946 0000" in page
    assert 'href="https://alpha.example.org/about"' in page
    assert "--ws-accent: #00703c" in page


def test_profile_edit_leaves_other_workspace_untouched(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    client.post("/b/alpha/admin/profile", data=profile())
    beta = fresh_workspace("beta")
    assert beta.description == ""
    assert beta.contact_email is None
    assert "We support" not in client.get("/b/beta/").get_data(as_text=True)


def test_clearing_optional_fields_removes_them(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    client.post("/b/alpha/admin/profile", data=profile())
    response = client.post(
        "/b/alpha/admin/profile",
        data=profile(contact_email="", contact_phone="", website="", description=""),
    )
    assert response.status_code == 302
    stored = fresh_workspace("alpha")
    assert (stored.contact_email, stored.contact_phone, stored.website) == (None, None, None)
    assert stored.description == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact_email": "not-an-email"}, "Enter an email address like hello@example.org"),
        ({"website": "alpha dot org"}, "Enter a full web address, like https://example.org"),
        ({"website": "javascript:alert(1)"}, "web address"),
        ({"website": "ftp://alpha.example.org/"}, "Enter a full web address"),
        ({"contact_phone": "call us"}, "Enter a phone number"),
        ({"accent_colour": "#ffff00"}, "This colour is too light"),
        ({"accent_colour": "#FFFFFF"}, "This colour is too light"),
        ({"accent_colour": "blue"}, "Enter a colour as # followed by six hexadecimal digits"),
        ({"accent_colour": "#12345"}, "Enter a colour as # followed by six hexadecimal digits"),
        ({"accent_colour": "#1d70b8;}"}, "Enter a colour as # followed by six hexadecimal digits"),
        ({"accent_colour": ""}, "Enter an accent colour"),
        ({"description": "x" * 5001}, "5,000 characters or fewer"),
    ],
)
def test_invalid_profile_is_refused_and_nothing_saved(client, auth, team, changes, message) -> None:
    auth.login(ALPHA_OWNER)
    response = client.post("/b/alpha/admin/profile", data=profile(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    stored = fresh_workspace("alpha")
    assert stored.description == ""
    assert stored.contact_email is None
    assert stored.website is None
    assert stored.accent_colour == "#1d70b8"


def test_invalid_profile_writes_no_audit_event(client, auth, team) -> None:
    from .helpers import audit_actions

    auth.login(ALPHA_OWNER)
    before = audit_actions(team.alpha_id)
    client.post("/b/alpha/admin/profile", data=profile(accent_colour="#ffff00"))
    assert audit_actions(team.alpha_id) == before


def test_staff_cannot_edit_the_profile(client, auth, team) -> None:
    auth.login(ALPHA_STAFF)
    assert client.get("/b/alpha/admin/profile").status_code == 403
    response = client.post("/b/alpha/admin/profile", data=profile())
    assert response.status_code == 403
    assert fresh_workspace("alpha").description == ""
    upload = client.post(
        "/b/alpha/admin/logo",
        data={"logo-logo": (io.BytesIO(image_bytes()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert fresh_workspace("alpha").logo_version == 0


@pytest.mark.parametrize("email", [OUTSIDER, BETA_OWNER])
def test_non_member_gets_403_on_admin_pages(client, auth, team, email) -> None:
    auth.login(email)
    for path in (
        "/b/alpha/admin/",
        "/b/alpha/admin/profile",
        "/b/alpha/admin/members",
        "/b/alpha/admin/audit",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/b/alpha/admin/profile", data=profile()).status_code == 403
    assert fresh_workspace("alpha").description == ""


def test_anonymous_is_sent_to_sign_in(client, team) -> None:
    for path in (
        "/b/alpha/admin/",
        "/b/alpha/admin/profile",
        "/b/alpha/admin/members",
        "/b/alpha/admin/audit",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    response = client.post("/b/alpha/admin/profile", data=profile())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert fresh_workspace("alpha").description == ""


# --- logo --------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "logo.png"):
    return client.post(
        "/b/alpha/admin/logo",
        data={"logo-logo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("image_format", "content_type", "filename"),
    [("PNG", "image/png", "logo.png"), ("JPEG", "image/jpeg", "photo.jpg")],
)
def test_png_or_jpeg_logo_is_stored_and_served(
    client, auth, team, image_format, content_type, filename
) -> None:
    data = image_bytes(image_format)
    auth.login(ALPHA_ADMIN)
    response = upload(client, data, filename)
    assert response.status_code == 302
    stored = fresh_workspace("alpha")
    assert stored.logo == data
    assert stored.logo_content_type == content_type
    assert stored.logo_version == 1

    served = client.get("/b/alpha/logo")
    assert served.status_code == 200
    assert served.mimetype == content_type
    assert served.data == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "/b/alpha/logo?v=1" in client.get("/b/alpha/").get_data(as_text=True)


def test_logo_content_type_comes_from_the_bytes_not_the_name(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    assert upload(client, image_bytes("JPEG"), "logo.png").status_code == 302
    assert client.get("/b/alpha/logo").mimetype == "image/jpeg"


def test_workspace_without_logo_answers_404_for_it(client, team) -> None:
    assert client.get("/b/alpha/logo").status_code == 404


def test_logo_of_one_workspace_is_not_served_for_another(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    upload(client, image_bytes())
    assert client.get("/b/beta/logo").status_code == 404


def test_removing_the_logo(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    upload(client, image_bytes())
    assert client.post("/b/alpha/admin/logo/remove").status_code == 302
    stored = fresh_workspace("alpha")
    assert stored.logo is None
    assert stored.logo_version == 0
    assert client.get("/b/alpha/logo").status_code == 404


def _truncated_png() -> bytes:
    data = image_bytes("PNG", (120, 80))
    return data[: len(data) // 2]


def _png_with_a_flipped_byte() -> bytes:
    data = bytearray(noisy_image_bytes("PNG", (40, 40)))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def _truncated_jpeg() -> bytes:
    data = noisy_image_bytes("JPEG", (200, 200))
    return data[: len(data) // 2]


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (SVG, "logo.svg", "The logo must be a PNG or JPEG image"),
        (b"this is not an image at all\n" * 10, "logo.png", "The logo must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\nnot really a png", "logo.png", "damaged"),
        (_truncated_png(), "logo.png", "damaged"),
        (_png_with_a_flipped_byte(), "logo.png", "damaged"),
        (_truncated_jpeg(), "logo.jpg", "damaged"),
        (b"", "logo.png", "Choose"),
    ],
    ids=[
        "svg",
        "text-named-png",
        "fake-png-header",
        "truncated-png",
        "corrupt-png",
        "truncated-jpeg",
        "empty",
    ],
)
def test_bad_logo_is_refused_and_nothing_stored(
    client, auth, team, data, filename, message
) -> None:
    auth.login(ALPHA_ADMIN)
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    stored = fresh_workspace("alpha")
    assert stored.logo is None
    assert stored.logo_content_type is None
    assert stored.logo_version == 0
    assert client.get("/b/alpha/logo").status_code == 404


def test_bad_logo_keeps_the_previous_one(client, auth, team) -> None:
    good = image_bytes()
    auth.login(ALPHA_ADMIN)
    upload(client, good)
    assert upload(client, SVG, "logo.svg").status_code == 400
    stored = fresh_workspace("alpha")
    assert stored.logo == good
    assert stored.logo_version == 1


def test_upload_without_a_file_is_refused(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    response = client.post("/b/alpha/admin/logo", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a PNG or JPEG file to upload" in response.get_data(as_text=True)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb)."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = 8 + 4  # signature, then the IHDR chunk's length
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [image_bytes("PNG", (2100, 10)), _png_claiming(12000, 12000), _png_claiming(3000, 3000)],
    ids=["wide", "bomb-header", "large-header"],
)
def test_oversized_image_dimensions_are_refused(client, auth, team, data) -> None:
    auth.login(ALPHA_ADMIN)
    response = upload(client, data)
    assert response.status_code == 400
    assert "at most 2000 by 2000 pixels" in response.get_data(as_text=True)
    assert fresh_workspace("alpha").logo_version == 0


class TestSmallLimits:
    @pytest.fixture
    def app_config(self, app_config: dict) -> dict:
        app_config["LOGO_MAX_BYTES"] = 4 * 1024
        app_config["MAX_CONTENT_LENGTH"] = 64 * 1024
        return app_config

    def test_logo_over_the_size_limit_is_refused(self, client, auth, team) -> None:
        data = noisy_image_bytes("PNG", (50, 50))
        assert 4 * 1024 < len(data) < 64 * 1024
        auth.login(ALPHA_ADMIN)
        response = upload(client, data)
        assert response.status_code == 400
        assert "The logo must be smaller than 4 KB" in response.get_data(as_text=True)
        assert fresh_workspace("alpha").logo is None

    def test_logo_under_the_size_limit_is_accepted(self, client, auth, team) -> None:
        data = image_bytes("PNG", (50, 50))
        assert len(data) < 4 * 1024
        auth.login(ALPHA_ADMIN)
        assert upload(client, data).status_code == 302
        assert fresh_workspace("alpha").logo == data

    @pytest.mark.parametrize("size", [80 * 1024, 3 * 1024 * 1024])
    def test_too_large_logo_comes_back_to_the_form_with_the_limit(
        self, client, auth, team, size
    ) -> None:
        """Issue 10, item 6: a body over the app's limit is not a bare 413 page."""
        auth.login(ALPHA_ADMIN)
        body = (
            b'--b0undary\r\nContent-Disposition: form-data; name="logo-logo"; filename="big.png"'
            b"\r\nContent-Type: image/png\r\n\r\n"
            + b"\x89PNG\r\n\x1a\n"
            + b"0" * size
            + b"\r\n--b0undary--\r\n"
        )
        response = client.post(
            "/b/alpha/admin/logo",
            data=body,
            content_type="multipart/form-data; boundary=b0undary",
        )
        assert response.status_code in (400, 413)
        page = response.get_data(as_text=True)
        assert "The logo must be smaller than 4 KB" in page  # the error on the field
        assert 'id="logo-logo-error"' in page
        assert 'enctype="multipart/form-data"' in page  # the form, not an error page
        assert "smaller than 4 KB." in page  # the limit stated beside the field
        assert fresh_workspace("alpha").logo is None
