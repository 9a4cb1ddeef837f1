"""The public pool: listing, search, filters, paging, detail, history, downloads."""

from __future__ import annotations

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.resources import pool, services
from londonhub.platform.resources.models import Resource, ResourceFile

from .conftest import CSV, PDF, values


def test_listing_shows_published_resources_and_never_drafts(
    client, hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    make_resource(hackney, hackney_staff, title="Trustee duties explained")
    make_resource(camden, camden_staff, title="Secret draft plan", publish=False)
    page = client.get("/resources").get_data(as_text=True)
    assert "Trustee duties explained" in page and "Hackney CVS" in page
    assert "Secret draft plan" not in page


def test_search_filters_and_shareable_urls(
    client, hackney, hackney_staff, camden, camden_staff, make_resource
) -> None:
    make_resource(
        hackney, hackney_staff, title="Volunteer expenses", topics=["volunteering", "finance"],
        body="How to repay travel costs.", resource_type="policy-template",
    )  # fmt: skip
    checked = make_resource(
        camden, camden_staff, title="Reserves policy", topics=["finance"],
        body="Keeping money back for a rainy day.", audience="trustees",
    )  # fmt: skip
    checked.checked_number = checked.published_number
    checked.checked_at = utcnow()
    db.session.commit()

    def titles(query: str) -> list[str]:
        answer = client.get(f"/resources?{query}")
        assert answer.status_code == 200
        return [e for e in ("Volunteer expenses", "Reserves policy") if e in answer.get_data(True)]

    assert titles("q=travel") == ["Volunteer expenses"]
    assert titles("q=rainy+day") == ["Reserves policy"]
    assert titles('q="unbalanced') == []  # never an error
    assert titles("topic=finance") == ["Volunteer expenses", "Reserves policy"]
    assert titles("topic=volunteering") == ["Volunteer expenses"]
    assert titles("type=policy-template") == ["Volunteer expenses"]
    assert titles("audience=trustees") == ["Reserves policy"]
    assert titles("checked=y") == ["Reserves policy"]
    assert titles("topic=finance&q=repay") == ["Volunteer expenses"]
    assert titles("topic=not-a-topic") == ["Volunteer expenses", "Reserves policy"]


def test_paging_carries_the_filters(client, hackney, hackney_staff, make_resource) -> None:
    for n in range(pool.PER_PAGE + 3):
        make_resource(hackney, hackney_staff, title=f"Guide number {n:02d}", topics=["impact"])
    first = client.get("/resources?topic=impact").get_data(as_text=True)
    assert "page=2" in first and "topic=impact" in first
    second = client.get("/resources?topic=impact&page=2").get_data(as_text=True)
    assert second.count('class="card"') == 3
    assert "Previous page" in second


def test_download_is_an_attachment_counted_and_never_sniffed(
    client, hackney, hackney_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff, files=[("Guide.pdf", PDF)])
    [row] = pool.published_files(resource.id)
    for _ in range(2):
        answer = client.get(f"/resources/{resource.id}/files/{row.id}")
        assert answer.status_code == 200
        assert answer.data == PDF
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert "Guide.pdf" in answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype == "application/pdf"
    db.session.expire_all()
    assert db.session.get(ResourceFile, row.id).download_count == 2
    assert db.session.get(Resource, resource.id).download_count == 2


def test_draft_files_and_unpublished_resources_are_not_public(
    client, hackney, hackney_staff, make_resource
) -> None:
    draft = make_resource(hackney, hackney_staff, publish=False, files=[("a.csv", CSV)])
    [draft_file] = services.draft_files(draft.id)
    published = make_resource(hackney, hackney_staff, title="Out")
    pending = services.add_file(hackney_staff, hackney, published.id, PDF, "new.pdf")
    db.session.commit()
    for path in (
        f"/resources/{draft.id}",
        f"/resources/{draft.id}/versions",
        f"/resources/{draft.id}/files/{draft_file.id}",
        f"/resources/{published.id}/files/{pending.id}",
        f"/resources/{published.id}/files/{draft_file.id}",
        f"/resources/{published.id}/versions/2",
    ):
        assert client.get(path).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(ResourceFile, draft_file.id).download_count == 0


def test_history_and_diff_pages(client, hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff, body="Line one.\n\nLine two.")
    services.update_draft(
        hackney_staff, hackney, resource.id, values(body="Line one.\n\nLine 2, clearer.")
    )
    services.publish(hackney_staff, hackney, resource.id, "Clearer second line")
    db.session.commit()
    history = client.get(f"/resources/{resource.id}/versions").get_data(as_text=True)
    assert "Clearer second line" in history and "First version" in history
    diff = client.get(f"/resources/{resource.id}/versions/2").get_data(as_text=True)
    assert '<del><span class="visually-hidden">Removed: </span>' in diff
    assert "Line two." in diff and "Line 2, clearer." in diff


def test_pool_pages_make_the_same_queries_as_data_grows(
    client, hackney, camden, hackney_staff, camden_staff, make_resource, count_queries
) -> None:
    make_resource(hackney, hackney_staff, files=[("a.csv", CSV)])

    def counts() -> list[int]:
        first = db.session.scalar(db.select(Resource.id).order_by(Resource.id))
        numbers = []
        for path in ("/resources", "/resources?q=safe&topic=safeguarding", f"/resources/{first}"):
            count_queries.clear()
            assert client.get(path).status_code == 200
            numbers.append(len(count_queries))
        return numbers

    few = counts()
    for n in range(12):
        owner, user = (hackney, hackney_staff) if n % 2 else (camden, camden_staff)
        make_resource(owner, user, title=f"More {n}", files=[("a.csv", CSV), ("b.pdf", PDF)])
    assert counts() == few


def test_featured_hook_puts_featured_resources_first(hackney, hackney_staff, make_resource) -> None:
    older = make_resource(hackney, hackney_staff, title="Older")
    make_resource(hackney, hackney_staff, title="Newer")
    older.featured = True
    db.session.commit()
    assert [e.version.title for e in pool.featured(2)] == ["Older", "Newer"]


def test_the_home_page_shows_featured_resources_first(
    client, hackney, hackney_staff, make_resource
) -> None:
    assert "Featured resources" not in client.get("/").get_data(as_text=True)
    make_resource(hackney, hackney_staff, title="Newest guide")
    featured = make_resource(hackney, hackney_staff, title="Chosen guide")
    make_resource(hackney, hackney_staff, title="Newer still")
    featured.featured = True
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Featured resources" in page
    assert page.index("Chosen guide") < page.index("Newer still") < page.index("Newest guide")
