"""Authoring: drafts, files, versions and diffs; who may edit what (service level, no request)."""

from __future__ import annotations

import pytest

from londonhub.platform.core.errors import NotAllowed, NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.resources import pool, services
from londonhub.platform.resources.models import ResourceVersion

from .conftest import CSV, PDF, values


def test_staff_draft_publish_and_second_version_keeps_both_with_a_diff(
    hackney, hackney_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff)
    assert resource.published_number == 1
    services.update_draft(
        hackney_staff,
        hackney,
        resource.id,
        values(body="# Start here\n\nKeep people safe.\n\nName a lead and a deputy."),
    )
    # The public still sees version 1 while the draft moves on.
    assert "deputy" not in pool.get_published(resource.id).version.body
    with pytest.raises(services.ResourceError) as refused:
        services.publish(hackney_staff, hackney, resource.id, "")
    assert refused.value.field == "change_note"
    version = services.publish(hackney_staff, hackney, resource.id, "Added a deputy")
    db.session.commit()
    assert version.number == 2
    assert [v.number for v in services.versions(resource.id)] == [2, 1]
    assert "deputy" in pool.get_published(resource.id).version.body
    diffs = services.compare(services.version_of(resource.id, 1), version)
    body = next(d for d in diffs if d.label == "Text")
    assert ("removed", "Name a lead.") in [(line.kind, line.text) for line in body.lines]
    assert ("added", "Name a lead and a deputy.") in [(line.kind, line.text) for line in body.lines]
    assert [d.label for d in diffs] == ["Text"]


def test_publishing_nothing_new_is_refused(hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff)
    with pytest.raises(services.ResourceError, match="Nothing has changed"):
        services.publish(hackney_staff, hackney, resource.id, "Again")
    assert db.session.query(ResourceVersion).count() == 1


def test_another_workspaces_staff_cannot_see_or_change_a_draft(
    hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    draft = make_resource(hackney, hackney_staff, publish=False)
    # Through their own workspace: B's id is simply not there.
    for call in (
        lambda: services.get_owned(camden, draft.id, camden_staff),
        lambda: services.update_draft(camden_staff, camden, draft.id, values(title="Mine")),
        lambda: services.publish(camden_staff, camden, draft.id, "x"),
        lambda: services.add_file(camden_staff, camden, draft.id, CSV, "a.csv"),
    ):
        with pytest.raises(NotFound):
            call()
    # Naming the owner directly: they hold no role there.
    for call in (
        lambda: services.get_owned(hackney, draft.id, camden_staff),
        lambda: services.update_draft(camden_staff, hackney, draft.id, values(title="Mine")),
        lambda: services.publish(camden_staff, hackney, draft.id, "x"),
        lambda: services.list_owned(hackney, camden_staff),
    ):
        with pytest.raises(NotAllowed):
            call()
    db.session.rollback()
    assert services.get_owned(hackney, draft.id, hackney_staff).title == "Safeguarding basics"
    with pytest.raises(pool.ResourceNotFound):
        pool.get_published(draft.id)


def test_hub_resources_are_for_hub_admins_and_workspace_ones_for_their_staff(
    hub, hackney, hub_admin, hackney_staff, make_resource
) -> None:
    hub_resource = make_resource(hub, hub_admin)
    with pytest.raises(NotAllowed):
        services.update_draft(hackney_staff, hub, hub_resource.id, values(title="Taken"))
    hackney_resource = make_resource(hackney, hackney_staff)
    with pytest.raises(NotAllowed):
        services.update_draft(hub_admin, hackney, hackney_resource.id, values(title="Taken"))
    assert not services.is_editor(None, hub)


def test_suspended_workspace_cannot_change_its_resources(
    hackney, hackney_staff, make_resource
) -> None:
    from londonhub.platform.core.tenancy import WorkspaceStatus

    resource = make_resource(hackney, hackney_staff, publish=False)
    hackney.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(NotAllowed, match="suspended"):
        services.publish(hackney_staff, hackney, resource.id, "")


def test_bad_input_names_its_field(hackney, hackney_staff) -> None:
    cases = {
        "title": values(title="  "),
        "topics": values(topics=["astrology"]),
        "resource_type": values(resource_type="novel"),
        "licence": values(licence="wtfpl"),
        "audience": values(audience="cats"),
    }
    for field, data in cases.items():
        with pytest.raises(services.ResourceError) as refused:
            services.create_resource(hackney_staff, hackney, data)
        assert refused.value.field == field


def test_files_follow_versions(hackney, hackney_staff, make_resource) -> None:
    resource = make_resource(hackney, hackney_staff, files=[("guide.pdf", PDF)])
    [published] = pool.published_files(resource.id)
    new = services.add_file(hackney_staff, hackney, resource.id, CSV, "sheet.csv")
    services.remove_file(hackney_staff, hackney, resource.id, published.id)
    db.session.commit()
    # Until the next version, the public keeps the old file and does not see the new one.
    assert [f.id for f in pool.published_files(resource.id)] == [published.id]
    with pytest.raises(pool.ResourceNotFound):
        pool.published_file(resource.id, new.id)
    services.publish(hackney_staff, hackney, resource.id, "Swapped the PDF for a sheet")
    db.session.commit()
    assert [f.filename for f in pool.published_files(resource.id)] == ["sheet.csv"]
    assert services.version_of(resource.id, 2).file_names == "sheet.csv"
    assert services.version_of(resource.id, 1).file_names == "guide.pdf"
