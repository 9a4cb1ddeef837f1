"""Demo resources: fifteen, owned by several boroughs and the hub, some with two versions, a
few with files, some quality-checked. Idempotent: a resource is found again by its owner and
title, and only what is missing is made."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.billing.services import hub_workspace
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import get_user_by_email
from londonhub.platform.core.seed import register_seeder
from londonhub.platform.core.tenancy import Workspace

from . import services
from .models import Resource

_BODY = """# Why this matters

{summary}

# What to do

1. Read this guide with your committee or team.
2. Agree who does what, and by when.
3. Write down what you decided and review it every year.

# Where to get help

Your local CVS can talk it through with you. Ask us before you pay for advice.
"""

#: (owner slug or "hub", title, type, topics, audience, summary, checked, second version note)
DEMO_RESOURCES = [
    (
        "hub",
        "Trustee induction pack",
        "toolkit",
        ["governance"],
        "trustees",
        "Everything a new trustee needs in their first three months.",
        True,
        "Added the conflicts of interest section",
    ),
    (
        "hub",
        "Safeguarding policy template for small groups",
        "policy-template",
        ["safeguarding"],
        "small-groups",
        "A plain-English safeguarding policy you can adapt in an evening.",
        True,
        None,
    ),
    (
        "hub",
        "Data protection: a one-page checklist",
        "checklist",
        ["data-protection", "digital"],
        "everyone",
        "Ten questions to check that your group handles personal data lawfully.",
        True,
        None,
    ),
    (
        "hackney",
        "Writing a funding bid that gets read",
        "training-material",
        ["funding"],
        "managers",
        "Slides and notes from our funding bid workshop.",
        True,
        "Updated the funder list for 2026",
    ),
    (
        "hackney",
        "Volunteer expenses policy",
        "policy-template",
        ["volunteering", "finance"],
        "volunteers",
        "Pay volunteers' out-of-pocket expenses fairly and without tax surprises.",
        False,
        None,
    ),
    (
        "camden",
        "Measuring your impact without a data team",
        "good-practice-guide",
        ["impact"],
        "small-groups",
        "Simple ways to show the difference your group makes.",
        True,
        None,
    ),
    (
        "camden",
        "Reserves policy: how much should we keep?",
        "advice-sheet",
        ["finance", "governance"],
        "trustees",
        "How to set a reserves policy that your funders and the Charity Commission accept.",
        False,
        None,
    ),
    (
        "southwark",
        "Recruiting volunteers from under-represented groups",
        "good-practice-guide",
        ["volunteering", "equality"],
        "volunteers",
        "What worked for groups across Southwark.",
        True,
        None,
    ),
    (
        "southwark",
        "Hiring your first member of staff",
        "briefing",
        ["employment"],
        "managers",
        "Contracts, payroll, pensions and right-to-work checks in one briefing.",
        False,
        "Added auto-enrolment thresholds",
    ),
    (
        "lambeth",
        "Running a hybrid AGM",
        "advice-sheet",
        ["governance", "digital"],
        "trustees",
        "How to hold a lawful annual general meeting online and in a room.",
        False,
        None,
    ),
    (
        "tower-hamlets",
        "Equality impact assessment toolkit",
        "toolkit",
        ["equality"],
        "managers",
        "A step-by-step toolkit for checking a service or policy for fairness.",
        True,
        None,
    ),
    (
        "croydon",
        "Leasing community premises: questions to ask",
        "checklist",
        ["premises"],
        "trustees",
        "Before you sign a lease: repairs, break clauses and business rates.",
        False,
        None,
    ),
    (
        "islington",
        "Cyber security basics for charities",
        "briefing",
        ["digital", "data-protection"],
        "everyone",
        "Passwords, backups and phishing: the five things that stop most attacks.",
        True,
        None,
    ),
    (
        "newham",
        "Unrestricted income: a fundraising mix",
        "training-material",
        ["funding", "finance"],
        "managers",
        "Workshop materials on building income that is not tied to projects.",
        False,
        None,
    ),
    (
        "westminster",
        "Volunteer induction checklist",
        "checklist",
        ["volunteering", "safeguarding"],
        "volunteers",
        "What to cover on a volunteer's first day, signed off by both of you.",
        False,
        None,
    ),
]

_CSV = b"Question,Yes or no,Notes\nDo we have a written policy?,,\nWho reviews it?,,\n"
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _owner(slug: str) -> Workspace | None:
    if slug == "hub":
        return hub_workspace()
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


@register_seeder
def seed_resources() -> None:
    hub_admin = get_user_by_email("hub@example.org")
    for index, row in enumerate(DEMO_RESOURCES):
        slug, title, kind, topics, audience, summary, checked, second = row
        owner = _owner(slug)
        if owner is None or hub_admin is None:
            continue
        exists = db.session.scalar(
            select(Resource.id).where(
                Resource.owner_workspace_id == owner.id, Resource.title == title
            )
        )
        if exists is not None:
            continue
        author = hub_admin if owner.is_hub else get_user_by_email(f"admin@{slug}.example.org")
        if author is None:
            continue
        data = services.ResourceInput(
            title=title,
            summary=summary,
            body=_BODY.format(summary=summary),
            resource_type=kind,
            topics=topics,
            audience=audience,
        )
        resource = services.create_resource(author, owner, data)
        if index % 3 == 0:
            services.add_file(author, owner, resource.id, _CSV, f"{title} worksheet.csv")
        if index % 4 == 1:
            services.add_file(author, owner, resource.id, _PDF, f"{title}.pdf")
        services.publish(author, owner, resource.id, "")
        if second:
            data.body = data.body.replace(
                "# Where to get help", f"# What is new\n\n{second}.\n\n# Where to get help"
            )
            services.update_draft(author, owner, resource.id, data)
            services.publish(author, owner, resource.id, second)
        if checked:
            resource.checked_number = resource.published_number
        resource.featured = owner.is_hub and index == 0
    db.session.flush()
