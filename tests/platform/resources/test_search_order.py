"""Full-text search gives the same order on PostgreSQL and SQLite (FTS5): title matches before
summary matches before body matches, then featured, newest. The same data and queries are run
on the test database and compared with one expected order (so both passes check the same); the
PostgreSQL pass also builds a fresh SQLite database in the same test and compares directly.
Results show a snippet with the words in <mark>, escaped; the owner-borough filter narrows."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest

from londonhub import create_app
from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role
from londonhub.platform.core.workspaces import create_workspace
from londonhub.platform.resources import pool, services

from .conftest import values

#: (owner, title, summary, body): where "safeguarding" and "policy" appear differs.
DATA = [
    ("camden", "Lone working guide", "Staying safe alone.", "Add it to your safeguarding policy."),
    ("hackney", "Safeguarding policy template", "Adapt it in an evening.", "Name a lead."),
    ("camden", "Volunteer handbook", "Safeguarding for volunteers, policies included.",
     "Induction and supervision."),
    ("hackney", "Safeguarding adults", "Spotting the signs.", "Raise a concern with your lead."),
    ("camden", "Data protection checklist", "Personal data done lawfully.",
     "Write a privacy policy; train volunteers."),
    ("hackney", "Reserves policy", "Money kept back for a rainy day.", "Trustees decide."),
]  # fmt: skip
QUERIES = ["safeguarding", "safeguarding policy", "policy", "volunteers", "data protection"]
EXPECTED = {
    "safeguarding": [
        "Safeguarding adults",  # title (newer)
        "Safeguarding policy template",  # title
        "Volunteer handbook",  # summary
        "Lone working guide",  # body
    ],
    "safeguarding policy": [
        "Safeguarding policy template",
        "Volunteer handbook",
        "Lone working guide",
    ],
    "policy": [
        "Reserves policy",
        "Safeguarding policy template",
        "Volunteer handbook",
        "Data protection checklist",
        "Lone working guide",
    ],
    "volunteers": ["Volunteer handbook", "Data protection checklist"],
    "data protection": ["Data protection checklist"],
}


def build_and_search() -> dict[str, list[str]]:
    """Make DATA through the services in the current app, and run QUERIES."""
    owners = {}
    for slug in ("camden", "hackney"):
        workspace = create_workspace(slug, f"{slug.title()} CVS", borough=slug.title())
        user = create_user(f"staff@{slug}.example.org", "Staff", None, verified=True)
        db.session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.STAFF))
        owners[slug] = (workspace, user)
    db.session.flush()
    for slug, title, summary, body in DATA:
        workspace, user = owners[slug]
        data = values(title=title, summary=summary, body=body)
        resource = services.create_resource(user, workspace, data)
        services.publish(user, workspace, resource.id, "")
    db.session.commit()
    return {q: [e.version.title for e in pool.search(pool.Criteria(q=q)).entries] for q in QUERIES}


def test_search_ranks_title_then_summary_then_body(app) -> None:
    assert build_and_search() == EXPECTED


@pytest.mark.postgres
def test_postgresql_and_sqlite_give_the_same_order(app, app_config, tmp_path: Path) -> None:
    here = build_and_search()
    config = dict(app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fts.sqlite3'}")
    config.update(MIGRATION_DATABASE_URL=None, DATABASE_APP_ROLE=None)
    embedded = create_app(config)
    with embedded.app_context():
        flask_migrate.upgrade()
        assert db.engine.dialect.name == "sqlite"
        there = build_and_search()
        db.session.remove()
        db.engine.dispose()
    assert here == there == EXPECTED


def test_results_show_escaped_snippets_with_the_words_marked(
    client, camden, camden_staff, make_resource
) -> None:
    body = "Our <script>alert(1)</script> safeguarding lead checks every event."
    make_resource(camden, camden_staff, title="Safer events", summary="Plan ahead.", body=body)
    page = client.get("/resources?q=safeguarding").get_data(as_text=True)
    assert "<mark>safeguarding</mark> lead checks" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert client.get('/resources?q="unbalanced AND (').status_code == 200
    assert client.get("/resources?q=the").status_code == 200  # only a stop word: no results


def test_the_owner_filter_narrows_to_one_borough_or_the_hub(
    client, camden, hackney, camden_staff, hackney_staff, hub, hub_admin, make_resource
) -> None:
    make_resource(camden, camden_staff, title="Camden guide")
    make_resource(hackney, hackney_staff, title="Hackney guide")
    make_resource(hub, hub_admin, title="Hub guide")

    def titles(query: str) -> list[str]:
        page = client.get(f"/resources?{query}").get_data(as_text=True)
        return [t for t in ("Camden guide", "Hackney guide", "Hub guide") if t in page]

    assert titles("owner=camden") == ["Camden guide"]
    assert titles("owner=hub") == ["Hub guide"]
    assert titles("owner=nowhere") == []
    assert titles("owner=%27%3B--") == ["Camden guide", "Hackney guide", "Hub guide"]
    assert 'option value="hackney"' in client.get("/resources").get_data(as_text=True)
