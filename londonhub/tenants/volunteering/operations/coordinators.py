"""Group coordinators: a group's contact, invited by the workspace, who then manages that
group's volunteering (its opportunities' status, responses, attendance and hours) and nothing
else of the workspace. They are not members of the workspace; `may_manage` is the one check
the operations make for "staff, or the coordinator of this opportunity's group".
"""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.access import require_role
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import (
    Role,
    TokenInvalid,
    User,
    has_role,
    make_token,
    normalise_email,
    read_token,
)
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, hub_scope, tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.urls import public_url

from ..models import GroupCoordinator, LocalGroup, Opportunity
from . import NotAllowed, NotFound, VolunteeringError
from .groups import get_group

PURPOSE = "volunteering-coordinator"
#: An invitation's link works for this long.
INVITE_SECONDS = 14 * 24 * 3600


def list_coordinators(workspace: Workspace, group_id: int) -> list[GroupCoordinator]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(GroupCoordinator)
                .where(
                    GroupCoordinator.tenant_id == workspace.id,
                    GroupCoordinator.group_id == group_id,
                )
                .order_by(GroupCoordinator.email)
            )
        )


def invite(user: User, workspace: Workspace, group_id: int, email: str) -> GroupCoordinator:
    """Invite `email` to coordinate the group (again, if already invited): a link by email."""
    require_role(user, workspace, Role.STAFF, write=True)
    group = get_group(workspace, group_id)
    address = normalise_email(email or "")
    if "@" not in address:
        raise VolunteeringError("Enter the coordinator's email address", "email")
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(GroupCoordinator).where(
                GroupCoordinator.tenant_id == workspace.id,
                GroupCoordinator.group_id == group.id,
                GroupCoordinator.email == address,
            )
        )
        if found is None:
            found = GroupCoordinator(group_id=group.id, email=address, invited_by_id=user.id)
            db.session.add(found)
            db.session.flush()
    link = public_url(
        "volunteering_me.coordination",
        token=make_token(PURPOSE, {"tid": workspace.id, "cid": found.id}),
    )
    send_email(
        address,
        f"Coordinate {group.name}'s volunteering with {workspace.name}",
        f"Hello,\n\n{user.name} of {workspace.name} invites you to coordinate the volunteering "
        f"of {group.name}: see who responds to its opportunities, accept them, record who came "
        f"and verify their hours.\n\nAccept (sign in or create an account with this email "
        f"address first): {link}\n\nThe link works for 14 days.\n",
    )
    record(
        "volunteering.coordinator_invited",
        f"Invited a coordinator for {group.name}",
        workspace=workspace,
        actor=user,
        group_id=group.id,
    )
    return found


def remove(user: User, workspace: Workspace, group_id: int, coordinator_id: int) -> None:
    require_role(user, workspace, Role.STAFF, write=True)
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(GroupCoordinator).where(
                GroupCoordinator.tenant_id == workspace.id,
                GroupCoordinator.group_id == group_id,
                GroupCoordinator.id == coordinator_id,
            )
        )
        if found is None:
            raise NotFound("There is no such coordinator")
        db.session.delete(found)
        db.session.flush()
    record(
        "volunteering.coordinator_removed",
        "Removed a group coordinator",
        workspace=workspace,
        actor=user,
        group_id=group_id,
    )


def read_invitation(user: User, token: str) -> tuple[Workspace, GroupCoordinator, LocalGroup]:
    """The invitation a link carries, for the person it was sent to; anyone else, or a link
    that is broken or too old, is not found."""
    try:
        data = read_token(PURPOSE, token, INVITE_SECONDS)
    except TokenInvalid:
        raise NotFound("This invitation link is not valid or has expired") from None
    workspace = db.session.get(Workspace, data.get("tid"))
    if workspace is None or workspace.status != WorkspaceStatus.ACTIVE:
        raise NotFound("This invitation link is not valid or has expired")
    with tenant_context(workspace.id):
        row = db.session.execute(
            select(GroupCoordinator, LocalGroup)
            .join(
                LocalGroup,
                (LocalGroup.tenant_id == GroupCoordinator.tenant_id)
                & (LocalGroup.id == GroupCoordinator.group_id),
            )
            .where(
                GroupCoordinator.tenant_id == workspace.id,
                GroupCoordinator.id == data.get("cid"),
            )
        ).first()
    if row is None or row[0].email != normalise_email(user.email):
        raise NotFound("This invitation link is not valid or has expired")
    return workspace, row[0], row[1]


def accept(user: User, token: str) -> Workspace:
    workspace, coordinator, group = read_invitation(user, token)
    with tenant_context(workspace.id):
        coordinator.user_id = user.id
        coordinator.accepted_at = coordinator.accepted_at or utcnow()
        db.session.flush()
    record(
        "volunteering.coordinator_accepted",
        f"{user.name} now coordinates {group.name}",
        workspace=workspace,
        actor=user,
        group_id=group.id,
    )
    return workspace


def coordinated_groups(user: User, workspace: Workspace) -> list[int]:
    """Ids of the groups the person coordinates in the workspace (accepted invitations)."""
    if not getattr(user, "is_authenticated", False):
        return []
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(GroupCoordinator.group_id).where(
                    GroupCoordinator.tenant_id == workspace.id,
                    GroupCoordinator.user_id == user.id,
                )
            )
        )


def may_manage(user: User, workspace: Workspace, opportunity_id: int) -> bool:
    """Staff of the workspace, or a coordinator of the opportunity's group."""
    if has_role(user, workspace, Role.STAFF):
        return True
    groups = coordinated_groups(user, workspace)
    if not groups:
        return False
    with tenant_context(workspace.id):
        group_id = db.session.scalar(
            select(Opportunity.group_id).where(
                Opportunity.tenant_id == workspace.id, Opportunity.id == opportunity_id
            )
        )
    return group_id in groups


def require_group_manager(user: User, workspace: Workspace, group_id: int) -> None:
    """Raise NotAllowed unless the person is staff of the workspace or coordinates the group;
    and nothing changes in a workspace that is not active (suspended ones are read-only)."""
    if not has_role(user, workspace, Role.STAFF) and group_id not in coordinated_groups(
        user, workspace
    ):
        raise NotAllowed("You do not manage this group's volunteering")
    if workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")


def require_manager(user: User, workspace: Workspace, opportunity_id: int) -> None:
    """Raise NotAllowed unless `may_manage`; and nothing changes in a workspace that is not
    active (suspended ones are read-only)."""
    if not may_manage(user, workspace, opportunity_id):
        raise NotAllowed("You do not manage this opportunity's volunteering")
    if workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")


def my_workspaces(user: User) -> list[tuple[str, str]]:
    """(slug, name) of the workspaces where the person coordinates a group (their own rows)."""
    with hub_scope("a person's own group coordination", audit=False):
        rows = db.session.execute(
            select(Workspace.slug, Workspace.name)
            .join(GroupCoordinator, GroupCoordinator.tenant_id == Workspace.id)
            .where(GroupCoordinator.user_id == user.id)
            .distinct()
            .order_by(Workspace.name)
        )
        return [(slug, name) for slug, name in rows]
