"""An adopter's local note shows with the resource on its page, without copying it; a new
version is a notice on the adopter's admin page and a notification (emailed) to its staff.
Views are counted per resource and per workspace page and shown to the owner; HEAD requests
count as neither views nor downloads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.notifications import Notification
from londonhub.platform.resources import adoption, services
from londonhub.platform.resources.models import Resource, ResourceFile

from .conftest import CSV, values


@pytest.fixture
def adopted(hackney, camden, hackney_staff, camden_staff, make_resource) -> Resource:
    """Hackney's resource, listed by Camden with a local note."""
    resource = make_resource(hackney, hackney_staff, title="Lone working policy")
    adoption.adopt(camden_staff, camden, resource.id)
    adoption.set_note(camden_staff, camden, resource.id, "Call <b>Camden</b> on 020 7000 0000")
    db.session.commit()
    return resource


def test_the_local_note_shows_on_the_adopters_page_escaped(client, adopted) -> None:
    page = client.get("/b/camden/").get_data(as_text=True)
    assert "Lone working policy" in page
    assert "Call &lt;b&gt;Camden&lt;/b&gt; on 020 7000 0000" in page
    assert "020 7000 0000" not in client.get("/b/hackney/").get_data(as_text=True)
    assert "020 7000 0000" not in client.get(f"/resources/{adopted.id}").get_data(as_text=True)


def test_staff_edit_the_note_with_clear_errors(client, auth, adopted, camden, camden_staff) -> None:
    auth.login("staff@camden.example.org")
    page = client.get("/b/camden/admin/resources/adopted")
    assert page.status_code == 200 and "Lone working policy" in page.get_data(as_text=True)
    field = f"n{adopted.id}-note"
    too_long = client.post(f"/b/camden/admin/resources/adopted/{adopted.id}/note",
                           data={field: "x" * 1001})  # fmt: skip
    assert too_long.status_code == 400 and "1,000 characters or fewer" in too_long.get_data(True)
    saved = client.post(f"/b/camden/admin/resources/adopted/{adopted.id}/note",
                        data={field: "Ask for Priya at the front desk."})  # fmt: skip
    assert saved.status_code == 302
    assert "Ask for Priya" in client.get("/b/camden/").get_data(as_text=True)
    adoption.unadopt(camden_staff, camden, adopted.id)
    with pytest.raises(services.ResourceError, match="does not list"):
        adoption.set_note(camden_staff, camden, adopted.id, "x")


def test_a_new_version_is_a_notice_and_a_notification_for_adopters(
    client, auth, adopted, hackney, hackney_staff, outbox
) -> None:
    auth.login("staff@camden.example.org")
    assert "New version" not in client.get("/b/camden/admin/resources/adopted").get_data(True)
    services.update_draft(hackney_staff, hackney, adopted.id, values(title="Lone working policy",
                          body="Check in every two hours."))  # fmt: skip
    services.publish(hackney_staff, hackney, adopted.id, "Check-in times added")
    db.session.commit()
    page = client.get("/b/camden/admin/resources/adopted").get_data(as_text=True)
    assert "New version 2" in page and "Check-in times added" in page
    [note] = db.session.scalars(
        select(Notification).where(Notification.event == "resource.new_version")
    )
    assert note.link == "/b/camden/admin/resources/adopted"
    [mail] = outbox.to("staff@camden.example.org")
    assert "Check-in times added" in outbox.body(mail)
    assert not outbox.to("staff@hackney.example.org")  # the owner is not an adopter
    assert client.post(f"/b/camden/admin/resources/adopted/{adopted.id}/seen").status_code == 302
    assert "New version" not in client.get("/b/camden/admin/resources/adopted").get_data(True)


def test_views_are_counted_per_workspace_page_and_shown_to_the_owner(client, auth, adopted) -> None:
    assert client.get(f"/resources/{adopted.id}").status_code == 200
    assert client.get(f"/resources/{adopted.id}?via=camden").status_code == 200
    assert client.get(f"/resources/{adopted.id}?via=camden").status_code == 200
    assert client.get(f"/resources/{adopted.id}?via=nowhere").status_code == 200
    assert client.head(f"/resources/{adopted.id}?via=camden").status_code == 200
    db.session.expire_all()
    assert db.session.get(Resource, adopted.id).view_count == 4
    assert f"/resources/{adopted.id}?via=camden" in client.get("/b/camden/").get_data(True)
    auth.login("staff@hackney.example.org")
    page = client.get(f"/b/hackney/admin/resources/{adopted.id}").get_data(as_text=True)
    assert "viewed 4 times" in page
    assert "<td>Camden CVS</td><td>2</td>" in page


def test_head_requests_are_not_downloads(client, hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff, files=[("rota.csv", CSV)])
    row = db.session.scalar(select(ResourceFile).where(ResourceFile.resource_id == resource.id))
    url = f"/resources/{resource.id}/files/{row.id}"
    assert client.head(url).status_code == 200
    assert client.get(url).status_code == 200
    db.session.expire_all()
    assert (db.session.get(ResourceFile, row.id).download_count, resource.download_count) == (1, 1)


def test_counting_a_view_leaves_cached_pages_fresh(client, adopted, monkeypatch) -> None:
    """Counts appear on no public page: a view must not mark every cached page stale."""
    from londonhub.platform.core import pagecache

    bumps: list[int] = []
    monkeypatch.setattr(pagecache, "bump_version", lambda: bumps.append(1))
    assert client.get(f"/resources/{adopted.id}?via=camden").status_code == 200
    assert bumps == []
    db.session.expire_all()
    assert db.session.get(Resource, adopted.id).view_count == 1


def test_publishing_emits_resource_published_for_the_owner(
    hackney, hackney_staff, make_resource
) -> None:
    from londonhub.platform.core.events import OutboxEvent
    from londonhub.platform.core.tenancy import tenant_context

    resource = make_resource(hackney, hackney_staff, title="Lone working policy")
    with tenant_context(hackney.id):
        [event] = db.session.scalars(select(OutboxEvent))
    assert event.payload["type"] == "resource.published"
    assert event.payload["workspace"] == "hackney"
    assert event.payload["data"]["resource_id"] == resource.id
    assert event.payload["data"]["version"] == 1
