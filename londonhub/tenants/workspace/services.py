"""Workspace admin verbs. Each takes the workspace explicitly, checks permission first,
raises a domain error with a message for a person, and flushes; the view commits.

Over 400 lines for now: profile, members and invitations in one module; invitations (the
largest part) are the seam to split along next."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from londonhub.platform.brand.colours import accent_problem
from londonhub.platform.core import errors, notifications
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import (
    Membership,
    Role,
    TokenInvalid,
    User,
    get_user_by_email,
    has_role,
    make_token,
    membership_for,
    normalise_email,
    read_token,
)
from londonhub.platform.core.images import ImageError, check_image
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, tenant_context
from londonhub.platform.core.timeutil import as_utc, utcnow

from .models import Invitation, InvitationStatus

INVITE = "workspace-invite"
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
LOGO_MAX_PIXELS = 2000
MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 7, 3 * 365


class NotAllowed(errors.NotAllowed):
    """The person may not do this in this workspace (403)."""


class NotFound(errors.NotFound):
    """No such object in this workspace (404: never reveal another workspace's objects)."""


class AdminError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def require_role(user: User, workspace: Workspace, minimum: Role, *, write: bool = False) -> None:
    """Permission check first, in every service: role in this workspace; writes need it active."""
    if not has_role(user, workspace, minimum):
        raise NotAllowed(f"You need the {minimum.value} role in {workspace.name} to do this")
    if write and workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")


# --- profile ---------------------------------------------------------------------------------


def update_profile(user: User, workspace: Workspace, **fields: str | int | None) -> Workspace:
    """The public profile (what the workspace page shows) and its booking horizon."""
    require_role(user, workspace, Role.ADMIN, write=True)
    problem = accent_problem(fields.get("accent_colour") or "")
    if problem:
        raise AdminError(problem, "accent_colour")
    values = {
        "description": (fields.get("description") or "").strip(),
        "contact_email": (fields.get("contact_email") or "").strip().lower() or None,
        "contact_phone": (fields.get("contact_phone") or "").strip() or None,
        "website": (fields.get("website") or "").strip() or None,
        "accent_colour": (fields.get("accent_colour") or "").lower(),
    }
    # Where and when (issue 10, item 11): changed only when given.
    if "address" in fields:
        values["address"] = (fields.get("address") or "").strip() or None
    if "postcode" in fields:
        values["postcode"] = (fields.get("postcode") or "").strip().upper() or None
    if "opening_hours" in fields:
        values["opening_hours"] = (fields.get("opening_hours") or "").strip()
    if "booking_horizon_days" in fields:
        days = int(fields["booking_horizon_days"] or 0)
        if not MIN_HORIZON_DAYS <= days <= MAX_HORIZON_DAYS:
            raise AdminError(
                f"Choose how far ahead rooms can be booked: {MIN_HORIZON_DAYS} days to "
                f"{MAX_HORIZON_DAYS // 365} years",
                "booking_horizon_days",
            )
        values["booking_horizon_days"] = days
    changed = [name for name, value in values.items() if getattr(workspace, name) != value]
    for name, value in values.items():
        setattr(workspace, name, value)
    record(
        "workspace.profile",
        f"Updated the public profile of {workspace.name}",
        workspace=workspace,
        actor=user,
        fields=changed,
    )
    db.session.flush()
    return workspace


def set_staff_emails(user: User, workspace: Workspace, events: set[str]) -> Workspace:
    """Choose the events the workspace's staff are emailed about (all by default); everyone
    still sees every event among their notifications on the site."""
    require_role(user, workspace, Role.ADMIN, write=True)
    unknown = events - set(notifications.STAFF_EVENTS)
    if unknown:
        raise AdminError("Choose events from the list", "events")
    notifications.set_emailed_events(workspace, events)
    record(
        "workspace.staff_emails",
        f"Staff of {workspace.name} are emailed about: " + (", ".join(sorted(events)) or "nothing"),
        workspace=workspace,
        actor=user,
    )
    db.session.flush()
    return workspace


def map_link(workspace: Workspace) -> str | None:
    """An OpenStreetMap search for the workspace's address: a plain link, no map script on
    our pages (nothing is loaded from elsewhere until the person follows it)."""
    where = ", ".join(part for part in (workspace.address, workspace.postcode) if part)
    if not where:
        return None
    return "https://www.openstreetmap.org/search?" + urlencode({"query": where})


def logo_max_bytes() -> int:
    return int(current_app.config["LOGO_MAX_BYTES"])


def check_logo(data: bytes) -> str:
    """The logo's content type, judged by its bytes (never its name): PNG or JPEG only."""
    try:
        return check_image(
            data,
            max_bytes=logo_max_bytes(),
            max_pixels=LOGO_MAX_PIXELS,
            field="logo",
        )
    except ImageError as exc:
        raise AdminError(str(exc), "logo") from exc


def set_logo(user: User, workspace: Workspace, data: bytes) -> Workspace:
    require_role(user, workspace, Role.ADMIN, write=True)
    content_type = check_logo(data)
    workspace.logo = data
    workspace.logo_content_type = content_type
    workspace.logo_version = (workspace.logo_version or 0) + 1
    record(
        "workspace.logo",
        f"Uploaded a new logo for {workspace.name}",
        workspace=workspace,
        actor=user,
        bytes=len(data),
        content_type=content_type,
    )
    db.session.flush()
    return workspace


def remove_logo(user: User, workspace: Workspace) -> Workspace:
    require_role(user, workspace, Role.ADMIN, write=True)
    workspace.logo = None
    workspace.logo_content_type = None
    workspace.logo_version = 0
    record(
        "workspace.logo_removed",
        f"Removed the logo of {workspace.name}",
        workspace=workspace,
        actor=user,
    )
    db.session.flush()
    return workspace


# --- members ---------------------------------------------------------------------------------


def list_members(workspace: Workspace) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.workspace_id == workspace.id)
            .options(joinedload(Membership.user))
            .order_by(Membership.created_at, Membership.id)
        )
    )


def get_member(workspace: Workspace, membership_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.workspace_id == workspace.id, Membership.id == membership_id)
        .options(joinedload(Membership.user))
    )
    if membership is None:
        raise NotFound("No such member in this workspace")
    return membership


def _owner_count(workspace: Workspace) -> int:
    """Owners now, with the workspace row locked until commit: two owners demoting or removing
    each other at the same moment must not leave the workspace with none."""
    db.session.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update())
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace.id, Membership.role == Role.OWNER)
    )


def _may_manage(actor: User, workspace: Workspace, role: Role) -> None:
    """Admins manage staff and admins; only owners grant or take away ownership."""
    require_role(actor, workspace, Role.ADMIN, write=True)
    if role == Role.OWNER and not has_role(actor, workspace, Role.OWNER):
        raise NotAllowed("Only an owner can make or change owners")


def change_role(actor: User, workspace: Workspace, membership_id: int, role: Role) -> Membership:
    membership = get_member(workspace, membership_id)
    _may_manage(actor, workspace, max(role, membership.role, key=lambda r: r.rank))
    if membership.role == role:
        raise AdminError(f"{membership.user.name} is already {role.value}", "role")
    if membership.role == Role.OWNER and _owner_count(workspace) <= 1:
        raise AdminError(
            "A workspace must keep at least one owner: make someone else owner first", "role"
        )
    previous = membership.role
    membership.role = role
    record(
        "member.role",
        f"Changed {membership.user.email} from {previous.value} to {role.value}",
        workspace=workspace,
        actor=actor,
        member=membership.user.email,
        previous=previous.value,
        role=role.value,
    )
    db.session.flush()
    return membership


def member_to_remove(actor: User, workspace: Workspace, membership_id: int) -> Membership:
    """The member `actor` may remove (for the confirmation page): same checks as removing."""
    membership = get_member(workspace, membership_id)
    _may_manage(actor, workspace, membership.role)
    return membership


def remove_member(actor: User, workspace: Workspace, membership_id: int) -> None:
    membership = member_to_remove(actor, workspace, membership_id)
    if membership.role == Role.OWNER and _owner_count(workspace) <= 1:
        raise AdminError("The last owner cannot be removed: make someone else owner first")
    email = membership.user.email
    withdrawn = _withdraw_invitations_by(workspace, membership.user_id)
    db.session.delete(membership)
    record(
        "member.remove",
        f"Removed {email} from {workspace.name}",
        workspace=workspace,
        actor=actor,
        member=email,
        invitations_withdrawn=withdrawn,
    )
    db.session.flush()


def _withdraw_invitations_by(workspace: Workspace, user_id: int) -> int:
    """A person who leaves takes their pending invitations with them."""
    with tenant_context(workspace.id):
        pending = db.session.scalars(
            select(Invitation).where(
                Invitation.invited_by_id == user_id, Invitation.status == InvitationStatus.PENDING
            )
        ).all()
        for invitation in pending:
            invitation.status = InvitationStatus.REVOKED
        db.session.flush()
    return len(pending)


# --- invitations -----------------------------------------------------------------------------


def list_pending_invitations(workspace: Workspace) -> list[Invitation]:
    """Invitations that can still be accepted (expired ones need a new invitation)."""
    with tenant_context(workspace.id):
        pending = db.session.scalars(
            select(Invitation)
            .where(Invitation.status == InvitationStatus.PENDING)
            .order_by(Invitation.created_at)
        )
        now = utcnow()
        return [i for i in pending if as_utc(i.expires_at) >= now]


def invite(actor: User, workspace: Workspace, email: str, role: Role) -> Invitation:
    _may_manage(actor, workspace, role)
    # A hub admin inviting through support access acts on the hub's authority.
    authority = "member" if membership_for(actor, workspace) else "hub"
    return _send_invitation(workspace, email, role, actor, authority)


def invite_owner(actor: User | None, workspace: Workspace, email: str) -> Invitation:
    """The hub (a hub admin, or the operator's CLI when `actor` is None) invites an owner: a
    new workspace's first, or a replacement for owners who left."""
    if actor is not None and not actor.is_hub_admin:
        raise NotAllowed("Only hub admins can invite a workspace's owner")
    if workspace.status != WorkspaceStatus.ACTIVE:
        raise AdminError(f"{workspace.name} is {workspace.status.value}: reactivate it first")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AdminError(f"{email} is not an email address: {exc}", "email") from exc
    return _send_invitation(
        workspace, email, Role.OWNER, actor, "hub" if actor is not None else "operator"
    )


def _send_invitation(
    workspace: Workspace, email: str, role: Role, inviter: User | None, authority: str
) -> Invitation:
    email = normalise_email(email)
    existing_user = get_user_by_email(email)
    if existing_user is not None and membership_for(existing_user, workspace) is not None:
        raise AdminError(f"{email} is already a member of {workspace.name}", "email")
    with tenant_context(workspace.id):
        pending = db.session.scalars(
            select(Invitation).where(
                Invitation.email == email, Invitation.status == InvitationStatus.PENDING
            )
        ).all()
        for earlier in pending:
            if as_utc(earlier.expires_at) >= utcnow():
                raise AdminError(f"{email} has already been invited", "email")
            earlier.status = InvitationStatus.REVOKED  # expired: the new one replaces it
        max_age = current_app.config["INVITE_MAX_AGE_SECONDS"]
        invitation = Invitation(
            email=email,
            role=role,
            invited_by_id=inviter.id if inviter else None,
            authority=authority,
            expires_at=utcnow() + timedelta(seconds=max_age),
        )
        db.session.add(invitation)
        db.session.flush()
        hub_name = current_app.config["HUB_NAME"]
        who = inviter.name if inviter else hub_name
        send_email(
            email,
            f"You are invited to join {workspace.name}",
            f"{who} has invited you to join {workspace.name} on {hub_name} as {role.value}."
            f"\n\nTo accept, open:\n\n{invitation_link(workspace, invitation)}\n\n"
            f"The invitation works for {max_age // 86400} days. If you have no account yet, "
            f"the link lets you create one with this email address, {email}.\n",
        )
    record(
        "member.invite",
        f"Invited {email} as {role.value}" + ("" if authority == "member" else " (by the hub)"),
        workspace=workspace,
        actor=inviter,
        email=email,
        role=role.value,
        authority=authority,
    )
    db.session.flush()
    return invitation


def invitation_link(workspace: Workspace, invitation: Invitation) -> str:
    token = make_token(INVITE, {"tid": workspace.id, "iid": invitation.id})
    return url_for("workspace_invites.accept", token=token, _external=True)


def transfer_ownership(actor: User, workspace: Workspace, membership_id: int) -> Membership:
    """The hub makes one member the owner; the owners until now become admins."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins can transfer a workspace's ownership")
    membership = get_member(workspace, membership_id)
    _owner_count(workspace)  # lock the workspace row against a concurrent change
    others = db.session.scalars(
        select(Membership)
        .where(
            Membership.workspace_id == workspace.id,
            Membership.role == Role.OWNER,
            Membership.id != membership.id,
        )
        .options(joinedload(Membership.user))
    ).all()
    if membership.role == Role.OWNER and not others:
        raise AdminError(f"{membership.user.name} is already the owner", "member")
    membership.role = Role.OWNER
    for other in others:
        other.role = Role.ADMIN
    record(
        "member.transfer",
        f"Transferred ownership of {workspace.name} to {membership.user.email}",
        workspace=workspace,
        actor=actor,
        owner=membership.user.email,
        previous_owners=[o.user.email for o in others],
    )
    db.session.flush()
    return membership


def revoke_invitation(actor: User, workspace: Workspace, invitation_id: int) -> None:
    require_role(actor, workspace, Role.ADMIN, write=True)
    with tenant_context(workspace.id):
        invitation = db.session.scalar(
            select(Invitation).where(
                Invitation.id == invitation_id, Invitation.status == InvitationStatus.PENDING
            )
        )
        if invitation is None:
            raise NotFound("No such invitation in this workspace")
        invitation.status = InvitationStatus.REVOKED
        db.session.flush()
    record(
        "member.invite_revoked",
        f"Revoked the invitation of {invitation.email}",
        workspace=workspace,
        actor=actor,
        email=invitation.email,
    )


class InvitationProblem(Exception):
    """The invitation link cannot be used; the message says why."""

    status = 400


class InvitationForSomeoneElse(InvitationProblem):
    """Signed in as another person: the invitation and its workspace stay private (403)."""

    status = 403


def read_invitation(token: str, user: User) -> tuple[Workspace, Invitation]:
    """Resolve an invitation link into its workspace and pending invitation, for the person it
    was sent to only."""
    workspace, invitation = resolve_invitation(token)
    if normalise_email(user.email) != invitation.email:
        raise InvitationForSomeoneElse(
            f"This invitation was sent to another email address than yours ({user.email}). "
            "Sign in with the address it was sent to"
        )
    if as_utc(invitation.expires_at) < utcnow():
        raise InvitationProblem("This invitation has expired")
    granted_role(workspace, invitation)
    return workspace, invitation


def resolve_invitation(token: str) -> tuple[Workspace, Invitation]:
    """The workspace and pending invitation a link names, whoever holds it (the link was
    emailed to the invitee: holding it is what lets a newcomer sign up with that address)."""
    try:
        data = read_token(INVITE, token, current_app.config["INVITE_MAX_AGE_SECONDS"])
    except TokenInvalid as exc:
        raise InvitationProblem("This invitation link is not valid or has expired") from exc
    workspace = db.session.get(Workspace, data.get("tid"))
    if workspace is None or workspace.status != WorkspaceStatus.ACTIVE:
        raise InvitationProblem("This invitation is for a workspace that is not open")
    with tenant_context(workspace.id):
        invitation = db.session.scalar(select(Invitation).where(Invitation.id == data.get("iid")))
    if invitation is None or invitation.status == InvitationStatus.REVOKED:
        raise InvitationProblem("This invitation has been withdrawn")
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationProblem("This invitation has already been used")
    return workspace, invitation


def granted_role(workspace: Workspace, invitation: Invitation) -> Role:
    """What accepting `invitation` grants now: never more than its inviter still holds in the
    workspace, and nothing once the inviter has left or may no longer invite (a demoted or
    removed admin's invitations must not outlive their authority)."""
    if invitation.authority == "operator":
        return invitation.role  # the operator's own command (`flask tenants create --owner`)
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    if inviter is None or inviter.is_disabled:
        raise InvitationProblem("The person who invited you no longer has an account here")
    held = _inviting_authority(inviter, workspace, invitation)
    if held is None or held.rank < Role.ADMIN.rank:
        raise InvitationProblem(
            f"The person who invited you can no longer invite people to {workspace.name}"
        )
    return min(invitation.role, held, key=lambda r: r.rank)


def _inviting_authority(inviter: User, workspace: Workspace, invitation: Invitation) -> Role | None:
    if invitation.authority == "hub":
        return Role.OWNER if inviter.is_hub_admin else None
    membership = membership_for(inviter, workspace)
    return membership.role if membership else None


def accept_invitation(user: User, token: str) -> Workspace:
    workspace, invitation = read_invitation(token, user)
    with tenant_context(workspace.id):
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = utcnow()
        membership = db.session.scalar(
            select(Membership).where(
                Membership.workspace_id == workspace.id, Membership.user_id == user.id
            )
        )
        role = granted_role(workspace, invitation)
        if membership is None:
            db.session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
        elif role.rank > membership.role.rank:
            membership.role = role
        db.session.flush()
    record(
        "member.join",
        f"{user.email} joined as {role.value}",
        workspace=workspace,
        actor=user,
        invited_as=invitation.role.value,
    )
    db.session.flush()
    return workspace
