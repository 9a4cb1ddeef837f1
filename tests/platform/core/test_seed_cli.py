"""`flask seed demo` and `flask tenants create`: the contract's CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User, get_user_by_email
from londonhub.platform.core.seed import LONDON_WORKSPACES
from londonhub.platform.core.tenancy import Workspace, WorkspaceKind, WorkspaceStatus
from londonhub.platform.resources.models import Resource, ResourceFile, ResourceVersion

DEMO_PASSWORD = "demo-password-for-tests"


def _counts() -> dict[str, int]:
    db.session.expire_all()
    tables = {
        "workspaces": Workspace,
        "users": User,
        "memberships": Membership,
        "audit": AuditEvent,
        "resources": Resource,
        "resource versions": ResourceVersion,
        "resource files": ResourceFile,
    }
    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in tables.items()
    }


class TestSeedDemo:
    @pytest.fixture
    def app_config(self, app_config: dict) -> dict:
        app_config["DEMO_PASSWORD"] = DEMO_PASSWORD
        return app_config

    def test_seed_demo_creates_the_contracts_data_and_is_idempotent(self, runner) -> None:
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
        assert "33 workspaces" in result.output

        workspaces = db.session.scalars(select(Workspace).where(Workspace.is_hub.is_(False))).all()
        assert len(workspaces) == 33
        assert len({w.slug for w in workspaces}) == 33
        assert len({w.name for w in workspaces}) == 33
        assert len({w.borough for w in workspaces}) == 33
        assert {w.slug for w in workspaces} >= {
            "hackney",
            "camden",
            "barking-and-dagenham",
            "city-of-london",
            "westminster",
        }
        assert all(w.status == WorkspaceStatus.ACTIVE for w in workspaces)
        assert all(w.description and w.contact_email for w in workspaces)

        from londonhub.platform.brand.colours import accent_problem

        assert [w.slug for w in workspaces if accent_problem(w.accent_colour)] == []

        hub = get_user_by_email("hub@example.org")
        assert hub.is_hub_admin
        assert hub.email_verified
        assert hub.check_password(DEMO_PASSWORD)
        assert not hub.check_password("london-demo-2026")

        for workspace in workspaces:
            owner = get_user_by_email(f"admin@{workspace.slug}.example.org")
            assert owner is not None, workspace.slug
            assert owner.email_verified
            assert not owner.is_hub_admin
            roles = db.session.execute(
                select(Membership.workspace_id, Membership.role).where(
                    Membership.user_id == owner.id
                )
            ).all()
            assert [tuple(r) for r in roles] == [(workspace.id, Role.OWNER)]
        assert get_user_by_email("admin@hackney.example.org").check_password(DEMO_PASSWORD)

        for email in ("buyer@acme.example.com", "associate@example.org"):
            user = get_user_by_email(email)
            assert user is not None, email
            assert user.email_verified
            assert not user.is_hub_admin
            assert user.check_password(DEMO_PASSWORD)

        first = _counts()
        assert first["workspaces"] == 34  # the 33 boroughs and the hub's own row
        assert first["resources"] == 42 and first["resource versions"] > 42
        assert first["users"] >= 36

        again = runner.invoke(args=["seed", "demo"])
        assert again.exit_code == 0, again.output
        assert "0 workspaces and 0 users created" in again.output
        assert _counts() == first

    def test_demo_users_can_sign_in(self, runner, auth, client) -> None:
        assert runner.invoke(args=["seed", "demo"]).exit_code == 0
        assert auth.login("admin@hackney.example.org", DEMO_PASSWORD).status_code == 302
        assert client.get("/b/hackney/admin/").status_code == 200
        assert client.get("/b/camden/admin/").status_code == 403
        auth.logout()
        assert auth.login("hub@example.org", DEMO_PASSWORD).status_code == 302
        page = client.get("/hub/")
        assert page.status_code == 200
        assert "33 workspaces" in page.get_data(as_text=True)


def test_seed_list_is_londons_33_areas() -> None:
    slugs = [slug for slug, *_ in LONDON_WORKSPACES]
    assert len(slugs) == 33 == len(set(slugs))
    assert len({name for _, _, name, _ in LONDON_WORKSPACES}) == 33
    from londonhub.platform.core.workspaces import slug_problem

    assert [s for s in slugs if slug_problem(s)] == []


class TestSeedRefusedInProduction:
    @pytest.fixture
    def app_config(self, app_config: dict) -> dict:
        app_config["ENV_NAME"] = "production"
        app_config["SECRET_KEY"] = "p" * 64
        app_config["SESSION_COOKIE_SECURE"] = True
        app_config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
        app_config["MAIL_URL"] = "smtp://mail.example.org"  # PUBLIC_URL: from the tests' base
        return app_config

    def test_seed_demo_refuses_under_production(self, runner) -> None:
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code != 0
        assert "refuses to run under the production configuration" in result.output
        assert _counts()["workspaces"] == 0
        assert _counts()["users"] == 0


# --- tenants create ---------------------------------------------------------------------------


def test_tenants_create(runner) -> None:
    result = runner.invoke(
        args=[
            "tenants",
            "create",
            "tower-hamlets",
            "--name",
            "Tower Hamlets CVS",
            "--borough",
            "Tower Hamlets",
            "--kind",
            "both",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created Tower Hamlets CVS at /b/tower-hamlets/" in result.output
    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == "tower-hamlets"))
    assert workspace.name == "Tower Hamlets CVS"
    assert workspace.borough == "Tower Hamlets"
    assert workspace.kind == WorkspaceKind.BOTH
    assert workspace.status == WorkspaceStatus.ACTIVE
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.workspace_id == workspace.id)
    ).all()
    assert actions == ["workspace.create"]


def test_tenants_create_defaults(runner, client) -> None:
    result = runner.invoke(args=["tenants", "create", "sutton", "--name", "Sutton CVS"])
    assert result.exit_code == 0, result.output
    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == "sutton"))
    assert workspace.kind == WorkspaceKind.CVS
    assert workspace.borough == "Sutton CVS"
    assert client.get("/b/sutton/").status_code == 200


def test_tenants_create_duplicate_is_refused(runner, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    result = runner.invoke(args=["tenants", "create", "hackney", "--name", "Another"])
    assert result.exit_code != 0
    assert "A workspace with the address /b/hackney/ already exists" in result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Workspace)) == 1
    assert db.session.scalar(select(Workspace.name)) == "Hackney CVS"


@pytest.mark.parametrize("slug", ["Tower Hamlets", "tower_hamlets", "x-", "a--b", "café", "x" * 64])
def test_tenants_create_bad_slug_is_refused(runner, slug) -> None:
    result = runner.invoke(args=["tenants", "create", slug, "--name", "Somewhere CVS"])
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert (
        "Use lower-case letters, numbers and single hyphens" in result.output
        or "1 to 63 characters" in result.output
    )
    assert db.session.scalar(select(func.count()).select_from(Workspace)) == 0


def test_tenants_create_needs_a_name(runner) -> None:
    result = runner.invoke(args=["tenants", "create", "sutton"])
    assert result.exit_code != 0
    assert "--name" in result.output
    blank = runner.invoke(args=["tenants", "create", "sutton", "--name", "  "])
    assert blank.exit_code != 0
    assert "Enter the workspace's name" in blank.output
    assert db.session.scalar(select(func.count()).select_from(Workspace)) == 0
