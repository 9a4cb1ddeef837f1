"""Emails to volunteers about their responses: every change of status sends one."""

from __future__ import annotations

from londonhub.platform.core.identity import User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import in_london
from londonhub.platform.core.urls import public_url

from ..models import Opportunity, OpportunitySession, ResponseStatus

_SUBJECTS = {
    ResponseStatus.INTERESTED: "We have passed on your interest",
    ResponseStatus.PENDING: "You have a place, waiting for confirmation",
    ResponseStatus.WAITLISTED: "You are on the waiting list",
    ResponseStatus.ACCEPTED: "You are confirmed",
    ResponseStatus.DECLINED: "An update on your volunteering",
    ResponseStatus.WITHDRAWN: "You have withdrawn",
    ResponseStatus.OFFERED: "A place is free for you",
    ResponseStatus.LAPSED: "Your offer of a place has lapsed",
}


def email_volunteer(
    user: User,
    workspace: Workspace,
    opportunity: Opportunity,
    session: OpportunitySession | None,
    status: ResponseStatus,
    extra: str = "",
) -> None:
    """Tell the volunteer their response is now `status`; `extra` adds a paragraph."""
    when = f" on {in_london(session.starts_at):%A %-d %B %Y at %H:%M}" if session else ""
    link = public_url(
        "volunteering_public.opportunity", slug=workspace.slug, opportunity_id=opportunity.id
    )
    mine = public_url("volunteering_me.responses")
    body = (
        f"Hello {user.name},\n\n"
        f"{opportunity.title}{when}, with {workspace.name}: {status.label.lower()}.\n\n"
        f"The opportunity: {link}\nYour volunteering: {mine}\n"
    )
    send_email(user.email, f"{_SUBJECTS[status]}: {opportunity.title}", body + extra)
