"""Emails about responses: to volunteers, every change of status; to the workspace and the
group, each new response. All queued as jobs (core mail), sent after the commit."""

from __future__ import annotations

from londonhub.platform.core.identity import User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import in_london
from londonhub.platform.core.urls import public_url

from ..models import LocalGroup, Opportunity, OpportunitySession, ResponseStatus

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


def email_organisers(
    workspace: Workspace,
    group: LocalGroup,
    opportunity: Opportunity,
    session: OpportunitySession | None,
    volunteer: User,
    status: ResponseStatus,
) -> None:
    """Tell the workspace (its contact address) and the group's contact about a new response,
    with a link to the responses page; no volunteer details beyond their name in the email."""
    when = f" on {in_london(session.starts_at):%A %-d %B %Y at %H:%M}" if session else ""
    link = public_url(
        "volunteering_admin.responses", slug=workspace.slug, opportunity=opportunity.id
    )
    body = (
        f"{volunteer.name} responded to {opportunity.title}{when} ({group.name}): "
        f"{status.label.lower()}.\n\n"
        f"Accept, decline or put them on the waiting list: {link}\n"
    )
    addresses = [workspace.contact_email, group.contact_email]
    for address in dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()):
        send_email(address, f"New volunteer response: {opportunity.title}", body)
