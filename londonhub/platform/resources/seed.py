"""Demo resources: forty-two, owned by 25 boroughs and the hub, across every type and topic;
some with two versions, a few with files, some quality-checked (three with lapsed checks), some
listed by other boroughs with a local note, two waiting for review. Idempotent: a resource is
found again by its owner and title, and only what is missing is made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from londonhub.billing.services import hub_workspace
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import get_user_by_email
from londonhub.platform.core.seed import register_seeder
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import utcnow

from . import adoption, review, services
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

#: (owner slug or "hub", title, type, topics, audience, summary, checked how many days ago
#: (None: not checked; over 365: the check has lapsed), second version's note or None)
DEMO_RESOURCES = [
    ("hub", "Trustee induction pack", "toolkit", ["governance"], "trustees",
     "Everything a new trustee needs in their first three months.", 40,
     "Added the conflicts of interest section"),
    ("hub", "Safeguarding policy template for small groups", "policy-template",
     ["safeguarding"], "small-groups",
     "A plain-English safeguarding policy you can adapt in an evening.", 90, None),
    ("hub", "Data protection: a one-page checklist", "checklist",
     ["data-protection", "digital"], "everyone",
     "Ten questions to check that your group handles personal data lawfully.", 400, None),
    ("hub", "Choosing a legal structure for your group", "briefing", ["governance"],
     "small-groups",
     "Unincorporated association, CIO or community interest company: which suits you.", 120,
     None),
    ("hackney", "Writing a funding bid that gets read", "training-material", ["funding"],
     "managers", "Slides and notes from our funding bid workshop.", 15,
     "Updated the funder list for 2026"),
    ("hackney", "Volunteer expenses policy", "policy-template", ["volunteering", "finance"],
     "volunteers",
     "Pay volunteers' out-of-pocket expenses fairly and without tax surprises.", None, None),
    ("hackney", "Lone working policy template", "policy-template",
     ["safeguarding", "employment"], "managers",
     "Keep staff and volunteers safe when they work alone or visit people at home.", 200, None),
    ("camden", "Measuring your impact without a data team", "good-practice-guide", ["impact"],
     "small-groups", "Simple ways to show the difference your group makes.", 60, None),
    ("camden", "Reserves policy: how much should we keep?", "advice-sheet",
     ["finance", "governance"], "trustees",
     "How to set a reserves policy that your funders and the Charity Commission accept.",
     None, None),
    ("camden", "Theory of change in an afternoon", "training-material", ["impact"], "managers",
     "A workshop plan for drawing your theory of change with your team and users.", None,
     None),
    ("southwark", "Recruiting volunteers from under-represented groups",
     "good-practice-guide", ["volunteering", "equality"], "volunteers",
     "What worked for groups across Southwark.", 30, None),
    ("southwark", "Hiring your first member of staff", "briefing", ["employment"], "managers",
     "Contracts, payroll, pensions and right-to-work checks in one briefing.", None,
     "Added auto-enrolment thresholds"),
    ("southwark", "Safer recruitment checklist", "checklist", ["safeguarding", "employment"],
     "managers", "References, DBS checks and interview questions for roles with children or "
     "adults at risk.", 380, None),
    ("lambeth", "Running a hybrid AGM", "advice-sheet", ["governance", "digital"], "trustees",
     "How to hold a lawful annual general meeting online and in a room.", None, None),
    ("lambeth", "Volunteer role description template", "policy-template", ["volunteering"],
     "volunteers", "Say what a role involves, what support comes with it and what it is not.",
     75, None),
    ("tower-hamlets", "Equality impact assessment toolkit", "toolkit", ["equality"],
     "managers", "A step-by-step toolkit for checking a service or policy for fairness.", 150,
     None),
    ("tower-hamlets", "Translating and interpreting: good practice", "good-practice-guide",
     ["equality"], "everyone",
     "When to translate, when to interpret, and how to pay community interpreters fairly.",
     None, None),
    ("croydon", "Leasing community premises: questions to ask", "checklist", ["premises"],
     "trustees", "Before you sign a lease: repairs, break clauses and business rates.", None,
     None),
    ("croydon", "Fire safety in community buildings", "advice-sheet", ["premises"],
     "managers", "Fire risk assessments, evacuation plans and what the law asks of hirers.",
     45, None),
    ("islington", "Cyber security basics for charities", "briefing",
     ["digital", "data-protection"], "everyone",
     "Passwords, backups and phishing: the five things that stop most attacks.", 20, None),
    ("islington", "Privacy notice template", "policy-template", ["data-protection"],
     "small-groups", "Tell people what you do with their data, in words they understand.",
     None, "Added a section on photos at events"),
    ("newham", "Unrestricted income: a fundraising mix", "training-material",
     ["funding", "finance"], "managers",
     "Workshop materials on building income that is not tied to projects.", None, None),
    ("newham", "Applying to the National Lottery Community Fund", "advice-sheet", ["funding"],
     "small-groups", "What the fund looks for and how to show community involvement.", 100,
     None),
    ("westminster", "Volunteer induction checklist", "checklist",
     ["volunteering", "safeguarding"], "volunteers",
     "What to cover on a volunteer's first day, signed off by both of you.", None, None),
    ("westminster", "Managing conflicts of interest", "good-practice-guide", ["governance"],
     "trustees", "Spot, declare and record conflicts so decisions stand up to scrutiny.", 55,
     None),
    ("lewisham", "Safeguarding adults: spotting the signs", "training-material",
     ["safeguarding"], "volunteers",
     "A one-hour session for volunteers on abuse, neglect and how to raise a concern.", 10,
     None),
    ("lewisham", "Cost of living: supporting your staff", "briefing", ["employment", "finance"],
     "managers", "Pay, hardship funds and wellbeing support that small charities can afford.",
     None, None),
    ("sutton", "Annual accounts for small charities", "advice-sheet", ["finance"], "trustees",
     "Receipts and payments or accruals: what you must file and when.", 130, None),
    ("sutton", "Digital inclusion toolkit", "toolkit", ["digital", "equality"], "everyone",
     "Help the people you support get online: devices, data and patient teaching.", None,
     None),
    ("barnet", "Grant reporting without the stress", "good-practice-guide",
     ["funding", "impact"], "managers",
     "Keep records through the year so the final report writes itself.", None, None),
    ("brent", "Employment contracts: the essentials", "checklist", ["employment"], "managers",
     "The written statement of terms every employee must have from day one.", 70, None),
    ("ealing", "Accessible events checklist", "checklist", ["equality", "premises"],
     "everyone", "Step-free access, hearing loops, quiet rooms and accessible invitations.",
     None, None),
    ("greenwich", "Setting up a volunteer centre drop-in", "toolkit",
     ["volunteering"], "infrastructure",
     "Templates and a rota for running a weekly volunteering advice session.", None, None),
    ("haringey", "Financial controls for small groups", "checklist", ["finance", "governance"],
     "trustees", "Two signatures, monthly reconciliations and who can approve spending.", 25,
     None),
    ("harrow", "Social media policy template", "policy-template", ["digital"], "managers",
     "Who posts, what they may say and how to handle a complaint online.", None, None),
    ("kingston-upon-thames", "Working with young volunteers", "good-practice-guide",
     ["volunteering", "safeguarding"], "volunteers",
     "Roles, consent and supervision for volunteers aged 14 to 17.", 85, None),
    ("merton", "Community asset transfer: a guide", "briefing", ["premises", "governance"],
     "trustees", "Taking on a council building: business plans, surveys and the lease.", None,
     None),
    ("redbridge", "Whistleblowing policy template", "policy-template",
     ["governance", "employment"], "managers",
     "How staff and volunteers raise concerns safely, and how you respond.", None, None),
    ("richmond-upon-thames", "Recording volunteer hours and impact", "advice-sheet",
     ["volunteering", "impact"], "volunteers",
     "Simple spreadsheets that count hours and stories your funders want to see.", None,
     None),
    ("wandsworth", "Equal pay and fair recruitment", "briefing", ["employment", "equality"],
     "managers", "Pay bands, anonymous shortlisting and the Equality Act in practice.", 160,
     None),
    ("hounslow", "Handling a data breach", "checklist", ["data-protection"], "managers",
     "The 72 hours after a breach: contain, assess, report and learn.", None, None),
    ("enfield", "Writing a business plan for your charity", "training-material",
     ["funding", "governance"], "trustees",
     "A plan funders trust: need, activities, money and risks on ten pages.", None, None),
]  # fmt: skip

#: Owner slug and title of resources other workspaces list on their pages, with their note.
DEMO_ADOPTIONS = [
    ("sutton", "hub", "Safeguarding policy template for small groups",
     "Sutton's safeguarding lead is on 020 8000 0100, Monday to Friday."),
    ("lewisham", "hackney", "Writing a funding bid that gets read",
     "Book a free bid review with Lewisham Local's funding adviser."),
    ("camden", "islington", "Cyber security basics for charities", ""),
    ("croydon", "hub", "Trustee induction pack",
     "Our trustee network meets on the first Tuesday of each month."),
]  # fmt: skip
#: Resources left waiting for review (owner slug, title), to fill the hub's queue.
DEMO_SUBMITTED = [
    ("camden", "Theory of change in an afternoon"),
    ("lambeth", "Running a hybrid AGM"),
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
    if hub_admin is None:
        return
    owners = {w.slug: w for w in db.session.scalars(select(Workspace))}
    owners["hub"] = hub_workspace()
    existing = set(db.session.execute(select(Resource.owner_workspace_id, Resource.title)).all())
    made: dict[tuple[str, str], Resource] = {}
    for index, row in enumerate(DEMO_RESOURCES):
        slug, title, kind, topics, audience, summary, checked_days, second = row
        owner = owners.get(slug)
        if owner is None or (owner.id, title) in existing:
            continue
        author = hub_admin if owner.is_hub else get_user_by_email(f"admin@{slug}.example.org")
        if author is None:
            continue
        made[(slug, title)] = _make(index, owner, author, row)
    db.session.flush()
    _adopt_and_submit(owners, made)


def _make(index: int, owner: Workspace, author, row) -> Resource:
    slug, title, kind, topics, audience, summary, checked_days, second = row
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
    if checked_days is not None:
        # Demo data: the check is recorded as made `checked_days` ago, without the reviews.
        resource.checked_number = resource.published_number
        resource.checked_at = utcnow() - timedelta(days=checked_days)
    resource.featured = owner.is_hub and index in (0, 1)
    return resource


def _adopt_and_submit(owners: dict[str, Workspace], made: dict[tuple[str, str], Resource]):
    for adopter_slug, slug, title, note in DEMO_ADOPTIONS:
        adopter, resource = owners.get(adopter_slug), made.get((slug, title))
        staff = get_user_by_email(f"admin@{adopter_slug}.example.org")
        if adopter is None or resource is None or staff is None:
            continue
        adoption.adopt(staff, adopter, resource.id)
        if note:
            adoption.set_note(staff, adopter, resource.id, note)
    for slug, title in DEMO_SUBMITTED:
        resource, owner = made.get((slug, title)), owners.get(slug)
        author = get_user_by_email(f"admin@{slug}.example.org")
        if resource is not None and owner is not None and author is not None:
            review.submit(author, owner, resource.id)
    db.session.flush()
