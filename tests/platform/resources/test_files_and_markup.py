"""Uploads are judged by content; Markdown is rendered safe."""

from __future__ import annotations

import io

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.resources import services
from londonhub.platform.resources.files import FileRefused, check_file
from londonhub.platform.resources.markup import clean_html, render_markdown
from londonhub.platform.resources.models import ResourceFile

from .conftest import CSV, PDF, office_file


def _tags(html: str) -> list[tuple[str, dict]]:
    """Every element the browser would build from `html`: text never counts."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("data", "name", "kind", "stored_as"),
    [
        (PDF, "guide.pdf", "pdf", "guide.pdf"),
        (office_file("docx"), "policy.docx", "docx", "policy.docx"),
        (office_file("xlsx"), "budget.xlsx", "xlsx", "budget.xlsx"),
        (office_file("odt"), "notes.odt", "odt", "notes.odt"),
        (CSV, "people.csv", "csv", "people.csv"),
        # The name says nothing: a PDF called .docx is stored as the PDF it is.
        (PDF, "../../etc/policy.docx", "pdf", "policy.pdf"),
    ],
)
def test_file_kind_comes_from_the_bytes(data, name, kind, stored_as) -> None:
    checked = check_file(data, name, max_bytes=1024 * 1024)
    assert (checked.kind, checked.filename) == (kind, stored_as)


@pytest.mark.parametrize(
    "data",
    [
        EXE,
        b"PK\x03\x04 not really a zip",
        office_file("docx").replace(b"word/document.xml", b"word/other00.xml"),
        b"\x00\x01binary,stuff",
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_other_files_are_refused(data) -> None:
    with pytest.raises(FileRefused, match="PDF, Word"):
        check_file(data, "harmless.pdf", max_bytes=1024 * 1024)


def test_renamed_exe_is_refused_on_the_form_and_nothing_is_stored(
    client, auth, hackney, hackney_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff, publish=False)
    auth.login(hackney_staff.email)
    answer = client.post(
        f"/b/hackney/admin/resources/{resource.id}/files",
        data={"upload-file": (io.BytesIO(EXE), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "The file must be a PDF, Word (DOCX)" in answer.get_data(as_text=True)
    assert db.session.query(ResourceFile).count() == 0


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["RESOURCE_FILE_MAX_BYTES"] = 64 * 1024
    return app_config


@pytest.mark.parametrize("size", [64 * 1024 + 1, 5 * 1024 * 1024])
def test_too_large_file_comes_back_to_the_form_with_the_limit(
    client, auth, hackney, hackney_staff, make_resource, size
) -> None:
    resource = make_resource(hackney, hackney_staff, publish=False)
    auth.login(hackney_staff.email)
    big = b"%PDF-1.4\n" + b"0" * size
    # A body in memory: the test client would spool a large dict body to a temporary file
    # that nothing closes when the app refuses to read it.
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="upload-file"; filename="big.pdf"'
        b"\r\nContent-Type: application/pdf\r\n\r\n" + big + b"\r\n--b0undary--\r\n"
    )
    answer = client.post(
        f"/b/hackney/admin/resources/{resource.id}/files",
        data=body,
        content_type="multipart/form-data; boundary=b0undary",
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code in (400, 413), text[text.find("<main") :][:800]
    assert "The file must be smaller than 64 KB" in text, text[text.find("<main") :][:800]
    assert 'enctype="multipart/form-data"' in text  # the form, not an error page
    assert db.session.query(ResourceFile).count() == 0


def test_upload_form_states_the_limit(client, auth, hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff, publish=False)
    auth.login(hackney_staff.email)
    page = client.get(f"/b/hackney/admin/resources/{resource.id}").get_data(as_text=True)
    assert "smaller than 64 KB" in page


def test_markdown_scripts_and_javascript_links_are_never_markup() -> None:
    html = str(
        render_markdown(
            "# Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
            '<a href="javascript:alert(3)">x</a> <img src=x onerror=alert(4)>\n\n'
            "[ok](https://example.org)"
        )
    )
    tags = _tags(html)
    assert {tag for tag, _ in tags} == {"h2", "p", "a"}
    assert [attrs["href"] for tag, attrs in tags if tag == "a"] == ["https://example.org"]
    assert "&lt;script&gt;" in html  # shown as text, harmless
    assert "<h2>Title</h2>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_the_cleaner_alone_removes_scripts_handlers_and_javascript_urls() -> None:
    html = str(
        clean_html(
            '<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(2)">a</a>'
            '<a href="JaVaScRiPt:alert(3)">b</a><iframe src="https://example.org"></iframe>'
        )
    )
    assert "script" not in html.lower() and "onclick" not in html and "iframe" not in html
    assert html == '<p>Hi</p><a rel="noopener noreferrer nofollow">a</a>' + (
        '<a rel="noopener noreferrer nofollow">b</a>'
    )


def test_detail_page_shows_the_markdown_cleaned(
    client, hackney, hackney_staff, make_resource
) -> None:
    resource = make_resource(
        hackney,
        hackney_staff,
        body="Read **this**.\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1))",
    )
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "<strong>this</strong>" in page
    assert "script" not in {tag for tag, _ in _tags(page)}
    assert not [a for _, a in _tags(page) if (a.get("href") or "").startswith("javascript")]


def test_service_refuses_a_file_before_storing_it(hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff, publish=False)
    with pytest.raises(services.ResourceError) as refused:
        services.add_file(hackney_staff, hackney, resource.id, EXE, "x.pdf")
    assert refused.value.field == "file"
