"""Peer review by two other workspaces, adoption, hub curation."""

from __future__ import annotations

import pytest

from londonhub.platform.core.errors import NotAllowed, NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.resources import adoption, pool, review, services
from londonhub.platform.resources.models import ResourceReview, ReviewState

from .conftest import values

ALL_TICKED = dict.fromkeys(
    ("accurate", "up_to_date", "plain_english", "accessible", "legally_sound"), True
)


@pytest.fixture
def islington(make_workspace):
    return make_workspace("islington", "Islington CVS", borough="Islington")


@pytest.fixture
def islington_staff(make_user, islington):
    return make_user("staff@islington.example.org", workspace=islington, role="staff")


def test_two_approvals_from_other_workspaces_make_it_quality_checked(
    hackney, camden, islington, hackney_staff, camden_staff, islington_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff)
    review.submit(hackney_staff, hackney, resource.id)
    db.session.commit()
    assert [e.resource.id for e in review.queue(camden_staff, camden)] == [resource.id]
    assert review.queue(hackney_staff, hackney) == []  # never your own
    review.record(camden_staff, camden, resource.id, checks=ALL_TICKED, decision="approve",
                  comments="")  # fmt: skip
    db.session.commit()
    assert not resource.is_quality_checked
    # One review per workspace per version.
    with pytest.raises(services.ResourceError, match="already reviewed"):
        review.record(camden_staff, camden, resource.id, checks=ALL_TICKED, decision="approve",
                      comments="")  # fmt: skip
    review.record(islington_staff, islington, resource.id, checks=ALL_TICKED,
                  decision="approve", comments="Clear and correct")  # fmt: skip
    db.session.commit()
    assert resource.is_quality_checked and resource.review_state == ReviewState.NONE
    assert pool.search(pool.Criteria(checked=True)).entries[0].resource.id == resource.id
    # A new version is not checked until it is reviewed in turn.
    services.update_draft(hackney_staff, hackney, resource.id, values(title="Safeguarding 2"))
    services.publish(hackney_staff, hackney, resource.id, "New title")
    assert not resource.is_quality_checked


def test_approval_needs_every_checklist_item_and_changes_need_comments(
    hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff)
    review.submit(hackney_staff, hackney, resource.id)
    partly = dict(ALL_TICKED, legally_sound=False)
    with pytest.raises(services.ResourceError, match="every item"):
        review.record(camden_staff, camden, resource.id, checks=partly, decision="approve",
                      comments="")  # fmt: skip
    with pytest.raises(services.ResourceError) as refused:
        review.record(camden_staff, camden, resource.id, checks=partly, decision="changes",
                      comments=" ")  # fmt: skip
    assert refused.value.field == "comments"
    review.record(camden_staff, camden, resource.id, checks=partly, decision="changes",
                  comments="Check the legal section")  # fmt: skip
    db.session.commit()
    assert resource.review_state == ReviewState.CHANGES_REQUESTED
    [seen] = review.reviews_of(hackney_staff, hackney, resource.id)
    assert (seen.reviewer_name, seen.review.comments) == ("Camden CVS", "Check the legal section")


def test_drafts_not_submitted_are_invisible_to_reviewers_of_other_workspaces(
    client, auth, hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    draft = make_resource(hackney, hackney_staff, publish=False, body="Private thoughts")
    published = make_resource(hackney, hackney_staff, title="Published, not submitted")
    for resource_id in (draft.id, published.id):
        with pytest.raises(NotFound):
            review.for_review(camden_staff, camden, resource_id)
    with pytest.raises(NotAllowed):
        review.queue(camden_staff, hackney)  # reviewing as a workspace you are not in
    auth.login(camden_staff.email)
    for path in (
        f"/b/camden/admin/resources/reviews/{draft.id}",
        f"/b/camden/admin/resources/{draft.id}",
        f"/b/camden/admin/resources/{draft.id}/edit",
        f"/b/hackney/admin/resources/{draft.id}",
        f"/b/hackney/admin/resources/reviews/{draft.id}",
    ):
        answer = client.get(path)
        assert answer.status_code in (403, 404), path
        assert "Private thoughts" not in answer.get_data(as_text=True)
    for path in (
        f"/b/camden/admin/resources/{draft.id}/edit",
        f"/b/camden/admin/resources/{draft.id}/publish",
        f"/b/camden/admin/resources/{draft.id}/submit",
        f"/b/camden/admin/resources/reviews/{published.id}",
    ):
        answer = client.post(path, data={"title": "Mine", "decision": "approve", **ALL_TICKED})
        assert answer.status_code in (403, 404), path
    db.session.expire_all()
    assert draft.title == "Safeguarding basics" and draft.latest_number == 0
    assert db.session.query(ResourceReview).count() == 0


def test_review_by_form(client, auth, hackney, camden, hackney_staff, camden_staff,
                        make_resource) -> None:  # fmt: skip
    resource = make_resource(hackney, hackney_staff)
    review.submit(hackney_staff, hackney, resource.id)
    db.session.commit()
    auth.login(camden_staff.email)
    assert "Safeguarding basics" in client.get("/b/camden/admin/resources/reviews").get_data(True)
    answer = client.post(
        f"/b/camden/admin/resources/reviews/{resource.id}", data={"decision": "approve"}
    )
    assert answer.status_code == 400 and "every item on the checklist" in answer.get_data(True)
    answer = client.post(
        f"/b/camden/admin/resources/reviews/{resource.id}",
        data={"decision": "approve", **{k: "y" for k in ALL_TICKED}},
    )
    assert answer.status_code == 302
    assert db.session.query(ResourceReview).count() == 1


def test_adoption_lists_a_pool_resource_on_the_workspace_page(
    client, hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff, title="Shared guide")
    draft = make_resource(hackney, hackney_staff, publish=False, title="Not yours")
    adoption.adopt(camden_staff, camden, resource.id)
    adoption.adopt(camden_staff, camden, resource.id)  # twice is once
    db.session.commit()
    assert [e.resource.id for e in adoption.for_workspace_page(camden)] == [resource.id]
    with pytest.raises(pool.ResourceNotFound):
        adoption.adopt(camden_staff, camden, draft.id)
    with pytest.raises(NotAllowed):
        adoption.adopt(hackney_staff, camden, resource.id)
    adoption.unadopt(camden_staff, camden, resource.id)
    db.session.commit()
    assert adoption.for_workspace_page(camden) == []


def test_hub_admin_features_retires_and_restores(
    client, hackney, hackney_staff, hub_admin, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff, title="Old guidance")
    with pytest.raises(NotAllowed):
        review.curate(hackney_staff, resource.id, "retire")
    review.curate(hub_admin, resource.id, "feature")
    db.session.commit()
    assert resource.featured
    review.curate(hub_admin, resource.id, "retire")
    db.session.commit()
    assert client.get(f"/resources/{resource.id}").status_code == 404
    assert "Old guidance" not in client.get("/resources").get_data(as_text=True)
    with pytest.raises(services.ResourceError, match="retired"):
        services.update_draft(hackney_staff, hackney, resource.id, values(title="New"))
        services.publish(hackney_staff, hackney, resource.id, "Try again")
    db.session.rollback()
    review.curate(hub_admin, resource.id, "restore")
    db.session.commit()
    assert client.get(f"/resources/{resource.id}").status_code == 200


def test_reviewer_reads_the_files_of_the_version_under_review_only_while_it_is_open(
    client, auth, hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    from .conftest import CSV

    resource = make_resource(hackney, hackney_staff, files=[("sheet.csv", CSV)])
    [row] = pool.published_files(resource.id)
    review.submit(hackney_staff, hackney, resource.id)
    db.session.commit()
    auth.login(camden_staff.email)
    path = f"/b/camden/admin/resources/reviews/{resource.id}/files/{row.id}"
    answer = client.get(path)
    assert answer.status_code == 200 and answer.data == CSV
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    review.record(camden_staff, camden, resource.id, checks=ALL_TICKED, decision="approve",
                  comments="")  # fmt: skip
    db.session.commit()
    assert client.get(path).status_code == 404


def test_publishing_a_new_version_withdraws_a_pending_review(
    hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    resource = make_resource(hackney, hackney_staff)
    review.submit(hackney_staff, hackney, resource.id)
    services.update_draft(hackney_staff, hackney, resource.id, values(summary="Better"))
    services.publish(hackney_staff, hackney, resource.id, "Better summary")
    db.session.commit()
    assert resource.review_state == ReviewState.NONE
    assert review.queue(camden_staff, camden) == []
    review.submit(hackney_staff, hackney, resource.id)
    assert resource.review_number == 2
