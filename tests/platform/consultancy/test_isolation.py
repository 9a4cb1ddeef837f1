"""Isolation by person over every consultancy route: associates see only their own
enquiries, quotes and engagements, clients only theirs, Lifeboat requests only the hub and the
assigned associates. Another client, another associate and a borough's staff aimed at one
engagement's ids, by GET and POST, are refused (403/404) and change nothing."""

from __future__ import annotations

from sqlalchemy import text

from londonhub.platform.consultancy import engagements, enquiries, lifeboat
from londonhub.platform.consultancy.models import LifeboatSituation
from londonhub.platform.core.access import is_public
from londonhub.platform.core.extensions import db

SECRET = "private-needs-4b1d"
TABLES = (
    "consultancy_associate",
    "consultancy_offer",
    "consultancy_enquiry",
    "consultancy_quote",
    "consultancy_quote_line",
    "consultancy_engagement",
    "consultancy_milestone",
    "consultancy_review",
    "consultancy_ledger_entry",
    "consultancy_lifeboat_request",
    "consultancy_lifeboat_assignment",
)


def _snapshot() -> dict[str, list]:
    db.session.rollback()
    return {t: db.session.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in TABLES}


def _their_work(world, quoted) -> dict[str, object]:
    from .conftest import quote_draft

    quote = quoted()
    engagements.revise_quote(world.associate_user, quote.id, quote_draft(deposit_percent=0))
    db.session.commit()
    enquiry = enquiries.get_enquiry(world.client, quote.enquiry_id)
    enquiry.needs = f"Needs {SECRET}"
    live = engagements.quotes_of(world.client, enquiry)[0]
    engagement = engagements.accept_quote(world.client, live.id)
    milestone = engagements.record_milestone(world.associate_user, engagement.id, "Board day")
    request = lifeboat.submit(
        lifeboat.RequestDraft(
            organisation="Sinking Trust",
            contact_name="Pat",
            contact_email="pat@sinking.example.org",
            situation=LifeboatSituation.CLOSURE.value,
            details=f"Details {SECRET}",
        )
    )
    lifeboat.assign(world.hub, request.id, world.associate.id)
    db.session.commit()
    return {
        "associate_slug": world.associate.slug,
        "associate_id": world.associate.id,
        "offer_id": 999_999,
        "enquiry_id": enquiry.id,
        "quote_id": live.id,
        "engagement_id": engagement.id,
        "milestone_id": milestone.id,
        "review_id": 999_999,
        "request_id": request.id,
        "record_id": 999_999,
        "part": "deposit",
        "action": "suspend",
        "decision": "publish",
    }


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.split(".")[0] in ("consultancy", "consultancy_hub") and rule.arguments:
            yield rule


def test_other_clients_and_associates_can_reach_none_of_an_engagement(
    app, world, quoted, signed_in, make_workspace, quick_user
):
    values = _their_work(world, quoted)
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    quick_user("staff@camden.example.org", workspace=camden, role="owner")
    outsiders = {
        "another client": signed_in(world.other_client.email),
        "another associate": signed_in(world.other_associate_user.email),
        "a borough's owner": signed_in("staff@camden.example.org"),
    }
    from flask import url_for

    failures, cases = [], 0
    for rule in _routes(app):
        with app.test_request_context():
            path = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        public = is_public(app.view_functions[rule.endpoint])
        for who, client in outsiders.items():
            for method in ("GET", "POST") if "GET" in rule.methods else ("POST",):
                before = _snapshot()
                response = client.open(path, method=method, data={"title": "PWNED"})
                cases += 1
                allowed = {403, 404, 405} | ({200} if public and method == "GET" else set())
                if response.status_code not in allowed:
                    failures.append(f"{method} {path} as {who}: {response.status_code}")
                if SECRET.encode() in response.data:
                    failures.append(f"{method} {path} as {who}: shows the private text")
                if _snapshot() != before:
                    failures.append(f"{method} {path} as {who}: changed the database")
    print(f"\nconsultancy isolation matrix: {cases} cases")
    assert cases > 60
    assert failures == [], "\n".join(failures)


def test_each_party_sees_their_own(world, quoted, signed_in):
    values = _their_work(world, quoted)
    client = signed_in(world.client.email)
    ada = signed_in(world.associate_user.email)
    for person in (client, ada):
        for path in (
            f"/consultancy/enquiries/{values['enquiry_id']}",
            f"/consultancy/quotes/{values['quote_id']}",
            f"/consultancy/engagements/{values['engagement_id']}",
        ):
            response = person.get(path)
            assert response.status_code == 200, path
    assert SECRET.encode() in client.get(f"/consultancy/enquiries/{values['enquiry_id']}").data
    # The Lifeboat request: the assigned associate, not the client.
    assert ada.get(f"/consultancy/lifeboat/{values['request_id']}").status_code == 200
    assert client.get(f"/consultancy/lifeboat/{values['request_id']}").status_code == 404
    # Lists name only one's own.
    ben = signed_in(world.other_associate_user.email)
    page = ben.get("/consultancy/work").data
    assert b"Camden Carers" not in page and b"Sinking Trust" not in page
    assert b"Camden Carers" in client.get("/consultancy/work").data
    assert b"Sinking Trust" in ada.get("/consultancy/work").data
