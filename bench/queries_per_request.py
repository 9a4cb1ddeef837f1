"""Queries per request as data grows: the count must stay constant (no N+1).

Run: .venv/bin/python bench/queries_per_request.py [--database-url URL]
Builds the same pages with a small and a large data set and prints the SQL query count of
each request and the ratio large/small (1.00 means constant).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import event

from londonhub import create_app
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User
from londonhub.platform.core.workspaces import create_workspace

PAGES = [
    "/",
    "/hub/",
    "/hub/audit",
    "/b/ws-0/",
    "/b/ws-0/admin/",
    "/b/ws-0/admin/members",
    "/opportunities",
    "/resources",
    "/resources?q=guide&topic=governance",
    "/resources/1",
    "/b/ws-0/admin/resources/",
    "/b/ws-0/admin/resources/1",
    "/hub/resources/pool",
]


def _resources(workspaces: list) -> None:
    """One published resource per workspace (ws-0 has one per workspace), each with a file."""
    from londonhub.platform.resources.models import Resource, ResourceFile, ResourceVersion

    content = {
        "title": "A governance guide",
        "summary": "Guide",
        "body": "# Guide\n\nText.",
        "resource_type": "briefing",
        "topics": "|governance|",
        "audience": "everyone",
        "licence": "cc-by-4.0",
    }
    owners = [workspaces[0]] * len(workspaces) + workspaces[1:]
    for n, owner in enumerate(owners):
        resource = Resource(
            owner_workspace_id=owner.id, published_number=1, latest_number=1, **content
        )
        db.session.add(resource)
        db.session.flush()
        db.session.add(ResourceVersion(resource_id=resource.id, number=1, **content))
        db.session.add(
            ResourceFile(
                resource_id=resource.id,
                filename="a.csv",
                content_type="text/csv",
                kind="csv",
                size=1,
                sha256="0" * 64,
                storage_key=f"bench/{n}",
                added_in_version=1,
            )
        )


def build(url: str, workspaces: int, members: int) -> dict[str, tuple[int, float]]:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "MAIL_DIR": tempfile.mkdtemp()}
    )
    with app.app_context():
        flask_migrate.upgrade()
        hub = User(
            email="hub@bench.example.org",
            name="Hub",
            is_hub_admin=True,
            email_verified_at=db.func.now(),
        )
        hub.set_password("bench-password-123")
        db.session.add(hub)
        made = [create_workspace(f"ws-{i}", f"Workspace {i}", actor=hub) for i in range(workspaces)]
        first = made[0]
        db.session.flush()
        _resources(made)
        for j in range(members):
            user = User(email=f"m{j}@bench.example.org", name=f"Member {j}", password_hash="x")
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(
                    workspace_id=first.id,
                    user_id=user.id,
                    role=Role.OWNER if j == 0 else Role.STAFF,
                )
            )
        owner_membership = Membership(workspace_id=first.id, user_id=hub.id, role=Role.OWNER)
        db.session.add(owner_membership)
        db.session.commit()
        engine = db.engine

    counts: dict[str, tuple[int, float]] = {}
    client = app.test_client()
    login = client.post(
        "/login", data={"email": "hub@bench.example.org", "password": "bench-password-123"}
    )
    assert login.status_code == 302, login.data[:3000]
    queries = 0

    def count(*_args, **_kwargs) -> None:
        nonlocal queries
        queries += 1

    event.listen(engine, "before_cursor_execute", count)
    for page in PAGES:
        queries = 0
        started = time.perf_counter()
        response = client.get(page)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = (queries, elapsed)
    event.remove(engine, "before_cursor_execute", count)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=33)
    parser.add_argument("--large", type=int, default=330)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    small = build(f"sqlite:///{folder / 'small.sqlite3'}", args.small, 5)
    large = build(f"sqlite:///{folder / 'large.sqlite3'}", args.large, 200)
    print(f"{'page':38} {'queries small':>14} {'queries large':>14} {'ratio':>6}")
    for page in PAGES:
        q_small, _ = small[page]
        q_large, _ = large[page]
        print(f"{page:38} {q_small:>14} {q_large:>14} {q_large / q_small:>6.2f}")


if __name__ == "__main__":
    main()
