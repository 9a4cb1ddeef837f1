"""Telling people what happened: a notification on the site for each person concerned, and
an email to a workspace's staff for the events the workspace chose (by default, all).

Features name their events with `register_staff_event` (key and label) and call
`notify_staff(workspace, event, ...)` or `notify_person(user, ...)` inside the transaction
that made the change: the rows commit with it, and the emails go after the commit (mail).
Links are built with `site_link` (absolute, for the email; the site keeps their path).

The table is not tenant data: each row is one person's own, read by that person across
workspaces at /account/notifications (like their orders); `workspace_id` says what it is
about, so removing a workspace's member never shows them anything new.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import DateTime, ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import ID_TYPE, db
from .identity import Membership, User
from .mail import send_email
from .tenancy import Workspace
from .timeutil import utcnow
from .urls import public_url

#: event key -> what the workspace's settings call it ("A new booking or hold").
STAFF_EVENTS: dict[str, str] = {}
PAGE_SIZE = 30


class Notification(db.Model):
    """Something that happened, for one person to see on the site."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    user_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"))
    #: The workspace it is about (None: the hub or the person's own account).
    workspace_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    #: A path on this site (never an outside address) to see more.
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _path(link: str | None) -> str | None:
    """Only the path of our own link is kept: the page links within the site."""
    if not link:
        return None
    parts = urlsplit(link)
    return (parts.path + (f"?{parts.query}" if parts.query else ""))[:500] or None


def register_staff_event(key: str, label: str) -> None:
    """A kind of event a workspace's staff can be emailed about (a feature's init_app)."""
    STAFF_EVENTS[key] = label


def emailed_events(workspace: Workspace) -> set[str]:
    """The events the workspace's staff are emailed about: all but those it turned off."""
    off = {key for key in (workspace.staff_email_off or "").split(",") if key}
    return set(STAFF_EVENTS) - off


def set_emailed_events(workspace: Workspace, keys: set[str]) -> None:
    """Store the choice as the events turned off, so a new kind of event starts on."""
    workspace.staff_email_off = ",".join(sorted(set(STAFF_EVENTS) - set(keys)))


def site_link(endpoint: str, **values: object) -> str:
    """A link for a notification: absolute on PUBLIC_URL (emails need that; it works in a
    job as in a request). The site shows its path."""
    return public_url(endpoint, **values)


def _add(user_id: int, workspace: Workspace | None, event: str, message: str, link: str | None):
    db.session.add(
        Notification(
            user_id=user_id,
            workspace_id=workspace.id if workspace is not None else None,
            event=event,
            message=message[:500],
            link=_path(link),
        )
    )


def notify_staff(
    workspace: Workspace, event: str, subject: str, message: str, link: str | None = None
) -> int:
    """Tell every member of the workspace: on the site always, by email if the workspace
    chose this event. Returns how many people were told."""
    rows = db.session.execute(
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id)
        .order_by(User.id)
    ).all()
    email = event in emailed_events(workspace)
    for user_id, address in rows:
        _add(user_id, workspace, event, message, link)
        if email:
            body = message + (f"\n\nSee it here: {link}" if link else "")
            send_email(address, f"{workspace.name}: {subject}", body)
    db.session.flush()
    return len(rows)


def notify_person(
    user: User,
    event: str,
    subject: str,
    message: str,
    *,
    link: str | None = None,
    workspace: Workspace | None = None,
    email: bool = True,
) -> None:
    """Tell one person, on the site and (unless `email` is False) by email."""
    _add(user.id, workspace, event, message, link)
    if email:
        send_email(user.email, subject, message + (f"\n\nSee it here: {link}" if link else ""))
    db.session.flush()


def list_notifications(user: User, page: int = 1) -> tuple[list[Notification], bool]:
    """The person's notifications, newest first, a page at a time (and whether more follow)."""
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((max(page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def unread_count(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
