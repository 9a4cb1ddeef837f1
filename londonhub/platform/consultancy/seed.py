"""Demo associates: `associate@example.org` approved, and eleven more across the taxonomy,
with fixed-price offers. Idempotent: an associate is made once per email."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import get_user_by_email
from londonhub.platform.core.seed import register_seeder

from .models import EXPERTISE, Associate, AssociateStatus, Availability, Offer, pack

#: email, name, headline, expertise, boroughs, day rate (pence), languages, offers
DEMO: list[tuple] = [
    (
        "associate@example.org",
        "Sam Associate",
        "Governance and finance for small charities",
        ["governance", "finance"],
        ["camden", "islington", "hackney"],
        45_000,
        "English, French",
        [("Governance health check", "Two days reviewing your board and policies.", 45_000, 2)],
    ),
    (
        "amara.okafor@associates.example.org",
        "Amara Okafor",
        "Bids that win: trusts, lottery and council funding",
        ["fundraising-and-bids", "strategy"],
        ["lambeth", "southwark", "lewisham"],
        40_000,
        "English, Yoruba",
        [("Bid review", "A critical read of one application before you send it.", 30_000, 1)],
    ),
    (
        "priya.shah@associates.example.org",
        "Priya Shah",
        "HR and employment law for voluntary organisations",
        ["hr-and-employment"],
        ["brent", "harrow", "ealing"],
        55_000,
        "English, Gujarati, Hindi",
        [],
    ),
    (
        "tom.hughes@associates.example.org",
        "Tom Hughes",
        "Safeguarding lead and trainer",
        ["safeguarding", "volunteer-management"],
        ["croydon", "sutton", "merton"],
        35_000,
        "English",
        [("Safeguarding policy review", "Your policy checked and rewritten.", 40_000, 2)],
    ),
    (
        "li.wei@associates.example.org",
        "Li Wei",
        "Data, CRM and digital services",
        ["digital-and-data"],
        ["tower-hamlets", "newham", "hackney"],
        60_000,
        "English, Mandarin",
        [],
    ),
    (
        "grace.mensah@associates.example.org",
        "Grace Mensah",
        "Mergers, partnerships and shared services",
        ["mergers-and-partnerships", "strategy"],
        ["greenwich", "bexley", "bromley"],
        80_000,
        "English, Twi",
        [],
    ),
    (
        "david.cohen@associates.example.org",
        "David Cohen",
        "Interim chief executive for organisations in transition",
        ["interim-leadership", "governance"],
        ["barnet", "enfield", "haringey"],
        70_000,
        "English, Hebrew",
        [],
    ),
    (
        "fatima.hussain@associates.example.org",
        "Fatima Hussain",
        "Co-production with the communities you serve",
        ["co-production"],
        ["waltham-forest", "redbridge", "newham"],
        30_000,
        "English, Urdu, Bengali",
        [("Co-production workshop", "A day designing a service with its users.", 35_000, 1)],
    ),
    (
        "owen.price@associates.example.org",
        "Owen Price",
        "Evaluation and impact measurement",
        ["evaluation-and-impact"],
        ["westminster", "kensington-and-chelsea", "hammersmith-and-fulham"],
        50_000,
        "English, Welsh",
        [],
    ),
    (
        "maria.silva@associates.example.org",
        "Maria Silva",
        "Volunteer management and recruitment",
        ["volunteer-management"],
        ["wandsworth", "richmond-upon-thames", "kingston-upon-thames"],
        28_000,
        "English, Portuguese, Spanish",
        [],
    ),
    (
        "kwame.asante@associates.example.org",
        "Kwame Asante",
        "Finance director for hire: budgets, audits, cash flow",
        ["finance", "interim-leadership"],
        ["hounslow", "hillingdon", "ealing"],
        65_000,
        "English",
        [],
    ),
    (
        "rosa.martin@associates.example.org",
        "Rosa Martin",
        "Strategy days and business plans",
        ["strategy", "evaluation-and-impact"],
        ["city-of-london", "camden", "westminster"],
        90_000,
        "English, Italian",
        [("Strategy away day", "Planning and facilitating your board's day.", 95_000, 2)],
    ),
]


@register_seeder
def seed_associates() -> None:
    known = set(db.session.scalars(select(Associate.slug)))
    for index, (email, name, headline, expertise, boroughs, rate, languages, offers) in enumerate(
        DEMO
    ):
        slug = name.lower().replace(" ", "-")
        if slug in known:
            continue
        user = get_user_by_email(email) or create_user(email, name, None, verified=True)
        associate = Associate(
            user_id=user.id,
            slug=slug,
            name=name,
            headline=headline,
            bio=f"{name} has worked with London's voluntary sector for many years: "
            f"{headline.lower()}.",
            expertise=pack(expertise, EXPERTISE),
            boroughs="|" + "|".join(boroughs) + "|",
            languages=languages,
            day_rate_pence=rate,
            availability=Availability.LIMITED if index % 4 == 3 else Availability.AVAILABLE,
            references="Available on request",
            status=AssociateStatus.APPROVED,
            featured=index in (0, 1, 6),
        )
        db.session.add(associate)
        db.session.flush()
        for title, summary, price, days in offers:
            db.session.add(
                Offer(
                    associate_id=associate.id,
                    title=title,
                    summary=summary,
                    price_pence=price,
                    days=days,
                )
            )
    db.session.flush()
