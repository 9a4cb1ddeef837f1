"""Demo data: the hub, all 33 London workspaces and the demo users. Idempotent.

Features add their own demo data (rooms, opportunities, ...) with `register_seeder`, so this
module stays free of feature imports.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from .accounts import create_user
from .extensions import db
from .identity import Membership, Role, User, get_user_by_email
from .tenancy import Workspace, WorkspaceKind
from .workspaces import create_workspace

#: (slug, borough, workspace name, kind): London's 33 local authority areas.
LONDON_WORKSPACES: list[tuple[str, str, str, WorkspaceKind]] = [
    ("barking-and-dagenham", "Barking and Dagenham", "Barking and Dagenham CVS", WorkspaceKind.CVS),
    ("barnet", "Barnet", "CommUNITY Barnet", WorkspaceKind.CVS),
    ("bexley", "Bexley", "Bexley Voluntary Service Council", WorkspaceKind.CVS),
    ("brent", "Brent", "CVS Brent", WorkspaceKind.CVS),
    ("bromley", "Bromley", "Community Links Bromley", WorkspaceKind.BOTH),
    ("camden", "Camden", "Voluntary Action Camden", WorkspaceKind.CVS),
    (
        "city-of-london",
        "City of London",
        "City of London Volunteer Centre",
        WorkspaceKind.VOLUNTEER_CENTRE,
    ),
    ("croydon", "Croydon", "Croydon Voluntary Action", WorkspaceKind.CVS),
    ("ealing", "Ealing", "Ealing CVS", WorkspaceKind.CVS),
    ("enfield", "Enfield", "Enfield Voluntary Action", WorkspaceKind.CVS),
    ("greenwich", "Greenwich", "Greenwich Voluntary Action", WorkspaceKind.BOTH),
    ("hackney", "Hackney", "Hackney CVS", WorkspaceKind.CVS),
    ("hammersmith-and-fulham", "Hammersmith and Fulham", "Sobus", WorkspaceKind.CVS),
    ("haringey", "Haringey", "Haringey Voluntary Action", WorkspaceKind.CVS),
    ("harrow", "Harrow", "Harrow Community Action", WorkspaceKind.BOTH),
    ("havering", "Havering", "Havering Volunteer Centre", WorkspaceKind.VOLUNTEER_CENTRE),
    ("hillingdon", "Hillingdon", "Hillingdon Association of Voluntary Services", WorkspaceKind.CVS),
    ("hounslow", "Hounslow", "Hounslow Voluntary Action", WorkspaceKind.CVS),
    ("islington", "Islington", "Voluntary Action Islington", WorkspaceKind.CVS),
    (
        "kensington-and-chelsea",
        "Kensington and Chelsea",
        "Kensington and Chelsea Social Council",
        WorkspaceKind.CVS,
    ),
    (
        "kingston-upon-thames",
        "Kingston upon Thames",
        "Kingston Voluntary Action",
        WorkspaceKind.BOTH,
    ),
    ("lambeth", "Lambeth", "Lambeth CVS", WorkspaceKind.CVS),
    ("lewisham", "Lewisham", "Lewisham Local", WorkspaceKind.CVS),
    ("merton", "Merton", "Merton Connected", WorkspaceKind.BOTH),
    ("newham", "Newham", "Newham CVS", WorkspaceKind.CVS),
    ("redbridge", "Redbridge", "Redbridge CVS", WorkspaceKind.BOTH),
    ("richmond-upon-thames", "Richmond upon Thames", "Richmond CVS", WorkspaceKind.CVS),
    ("southwark", "Southwark", "Community Southwark", WorkspaceKind.CVS),
    ("sutton", "Sutton", "Volunteer Centre Sutton", WorkspaceKind.VOLUNTEER_CENTRE),
    (
        "tower-hamlets",
        "Tower Hamlets",
        "Tower Hamlets Council for Voluntary Service",
        WorkspaceKind.CVS,
    ),
    ("waltham-forest", "Waltham Forest", "Waltham Forest CVS", WorkspaceKind.CVS),
    ("wandsworth", "Wandsworth", "Volunteer Centre Wandsworth", WorkspaceKind.VOLUNTEER_CENTRE),
    ("westminster", "Westminster", "One Westminster", WorkspaceKind.BOTH),
]

#: slug -> (street address, town or district, postcode): a plausible demo address in each
#: borough, with a postcode district that lies in it (Hackney is E8, not Hammersmith's W6).
DEMO_OPENING_HOURS = "Monday to Friday, 9:30 to 17:00.\nClosed on bank holidays."
DEMO_ADDRESSES: dict[str, tuple[str, str, str]] = {
    "barking-and-dagenham": ("12 East Street", "Barking", "IG11 8EQ"),
    "barnet": ("40 The Burroughs", "Hendon", "NW4 4BE"),
    "bexley": ("8 Broadway", "Bexleyheath", "DA6 7LE"),
    "brent": ("22 High Road", "Wembley", "HA9 7AJ"),
    "bromley": ("15 High Street", "Bromley", "BR1 1PQ"),
    "camden": ("61 Camden Road", "Camden Town", "NW1 9EU"),
    "city-of-london": ("10 Golden Lane", "City of London", "EC1Y 0TN"),
    "croydon": ("30 Surrey Street", "Croydon", "CR0 1RG"),
    "ealing": ("24 The Broadway", "Ealing", "W5 2NP"),
    "enfield": ("17 Church Street", "Enfield", "EN2 6AF"),
    "greenwich": ("9 Powis Street", "Woolwich", "SE18 6LF"),
    "hackney": ("112 Mare Street", "Hackney", "E8 3SG"),
    "hammersmith-and-fulham": ("5 King Street", "Hammersmith", "W6 9JU"),
    "haringey": ("40 High Road", "Wood Green", "N22 6BX"),
    "harrow": ("27 Station Road", "Harrow", "HA1 2UF"),
    "havering": ("14 South Street", "Romford", "RM1 1RB"),
    "hillingdon": ("33 High Street", "Uxbridge", "UB8 1JN"),
    "hounslow": ("21 High Street", "Hounslow", "TW3 1RH"),
    "islington": ("200 Upper Street", "Islington", "N1 1RQ"),
    "kensington-and-chelsea": ("7 Hornton Street", "Kensington", "W8 7NX"),
    "kingston-upon-thames": ("19 Eden Street", "Kingston upon Thames", "KT1 1BQ"),
    "lambeth": ("336 Brixton Road", "Brixton", "SW9 7AA"),
    "lewisham": ("12 Rushey Green", "Catford", "SE6 4JF"),
    "merton": ("18 London Road", "Morden", "SM4 5BQ"),
    "newham": ("95 The Grove", "Stratford", "E15 1HP"),
    "redbridge": ("103 High Road", "Ilford", "IG1 1DE"),
    "richmond-upon-thames": ("44 George Street", "Richmond", "TW9 1HE"),
    "southwark": ("38 Peckham High Street", "Peckham", "SE15 5DT"),
    "sutton": ("25 High Street", "Sutton", "SM1 1DJ"),
    "tower-hamlets": ("50 Chrisp Street", "Poplar", "E14 6AQ"),
    "waltham-forest": ("160 Hoe Street", "Walthamstow", "E17 4QH"),
    "wandsworth": ("11 Garratt Lane", "Wandsworth", "SW18 4AQ"),
    "westminster": ("37 Marylebone High Street", "Marylebone", "W1U 4QE"),
}

#: Accents that all reach 4.5:1 with white text.
DEMO_ACCENTS = ["#1d70b8", "#00703c", "#5f259f", "#a8184d", "#8a4600", "#005a68", "#4c2c92"]

_SEEDERS: list[Callable[[], None]] = []


class SeedRefused(RuntimeError):
    pass


def register_seeder(fn: Callable[[], None]) -> Callable[[], None]:
    """Features register functions that add their demo data; each must be idempotent."""
    if fn not in _SEEDERS:
        _SEEDERS.append(fn)
    return fn


def _ensure_user(email: str, name: str, password: str, *, hub_admin: bool = False) -> User:
    user = get_user_by_email(email)
    if user is None:
        user = create_user(email, name, password, verified=True, hub_admin=hub_admin)
    return user


def seed_demo() -> dict[str, int]:
    """Create what is missing; running it twice changes nothing. Returns what it created."""
    if current_app.config["ENV_NAME"] == "production":
        raise SeedRefused("seed demo refuses to run under the production configuration")
    password = current_app.config["DEMO_PASSWORD"]
    created = {"workspaces": 0, "users": 0}
    # Borough workspaces only: the hub's own row (made by features that need it) is not one.
    boroughs = select(Workspace.slug).where(Workspace.is_hub.is_(False))
    existing = set(db.session.scalars(boroughs))
    existing_users = set(db.session.scalars(select(User.email)))

    _ensure_user("hub@example.org", "Hub Administrator", password, hub_admin=True)
    for index, (slug, borough, name, kind) in enumerate(LONDON_WORKSPACES):
        workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
        if workspace is None:
            workspace = create_workspace(
                slug,
                name,
                borough=borough,
                kind=kind,
                accent_colour=DEMO_ACCENTS[index % len(DEMO_ACCENTS)],
            )
            workspace.description = (
                f"{name} supports community and voluntary groups and volunteers across "
                f"{borough}: advice, training, funding news, volunteering and meeting space."
            )
            workspace.contact_email = f"hello@{slug}.example.org"
        if workspace.address is None and slug in DEMO_ADDRESSES:
            street, town, postcode = DEMO_ADDRESSES[slug]
            workspace.address, workspace.postcode = f"{street}, {town}", postcode
            workspace.opening_hours = DEMO_OPENING_HOURS
        owner = _ensure_user(f"admin@{slug}.example.org", f"{borough} Administrator", password)
        has_membership = db.session.scalar(
            select(Membership.id).where(
                Membership.workspace_id == workspace.id, Membership.user_id == owner.id
            )
        )
        if has_membership is None:
            db.session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role=Role.OWNER))
    _ensure_user("buyer@acme.example.com", "Alex Buyer (Acme Ltd)", password)
    _ensure_user("associate@example.org", "Sam Associate", password)
    db.session.flush()
    for seeder in _SEEDERS:
        seeder()
    created["workspaces"] = len(set(db.session.scalars(boroughs)) - existing)
    created["users"] = len(set(db.session.scalars(select(User.email))) - existing_users)
    return created
