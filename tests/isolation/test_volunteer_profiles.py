"""A workspace sees a volunteer's profile only once that person engaged with it: no route,
walked as every role of a workspace at its own pages and ids, shows the profile of a person
who never responded there."""

from __future__ import annotations

from dataclasses import replace

from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.tenants.volunteering.models import VolunteerProfile

from .matrix import ROLES, SECRET, World, sign_in, walk


def test_no_route_shows_a_workspace_the_profile_of_someone_who_never_engaged_with_it(
    app, world, snapshot_url
) -> None:
    stranger = create_user("stranger@example.org", "Sam Stranger", None)
    db.session.add(
        VolunteerProfile(
            user_id=stranger.id,
            emergency_name=f"Emergency {SECRET}",
            emergency_phone="020 7946 0666",
            adjustments=f"Adjustments {SECRET}",
        )
    )
    db.session.commit()
    # Aimed at A itself, with the stranger where a volunteer's id goes.
    own = replace(world.a, objects={**world.a.objects, "Volunteer": stranger.id})
    result = walk(app, World(a=world.a, b=own), snapshot_url, only="volunteering")
    assert result.routes >= 5 and result.unfilled == []
    leaks = [str(case) for case in result.failures if "private data" in case.problem]
    assert leaks == []
    slug = world.a.workspace.slug
    for role in ROLES:
        client, _ = sign_in(app, world.a.users[role])
        for path in (
            f"/b/{slug}/admin/volunteering/",
            f"/b/{slug}/admin/volunteering/responses",
            f"/b/{slug}/admin/volunteering/volunteers/{stranger.id}",
            "/account",
        ):
            assert SECRET.encode() not in client.get(path).get_data(), (role, path)
