"""A company never sees another company's data. Corporate accounts are not workspaces, so the
workspace matrix (tests/isolation) cannot prove it: this walks every corporate route as the
admin of company A, aimed at company B's employees, placements, purchases and invitation,
by GET and POST. Every attempt is refused (403/404) and changes nothing, and no answer (nor
A's own dashboard, employee list, impact page or CSV) shows anything of B's."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import create_engine, pool

from londonhub.platform.core.extensions import db
from londonhub.platform.corporate.operations import accounts, buying, employees, matching
from tests.isolation.matrix import snapshot

from .conftest import corporate_opportunity

SECRET = "globex-private-5e1d"
REFUSED = {403, 404, 405}


def _company(bought, make_user, admin_email, name, employee_email, borough):
    admin = make_user(admin_email, name=f"Admin of {name}")
    company = buying.Company(name, "07654321", f"{name} House, London EC1A 1AA", "")
    account, purchase, _ = bought(3, who=admin, company=company)
    person = make_user(employee_email, name=f"Employee of {name}")
    employee = employees.invite(admin, account, employee_email, f"Employee of {name}")
    token = employees.invitation_link(employee).rsplit("/", 1)[1]
    employees.accept(person, token)
    matching.save_profile(person, {"home_borough": borough})
    waiting = employees.invite(admin, account, f"waiting-{employee_email}", name)
    db.session.commit()
    return {
        "admin": admin,
        "account": account,
        "purchase": purchase,
        "employee": employee,
        "person": person,
        "waiting_token": employees.invitation_link(waiting).rsplit("/", 1)[1],
        "waiting_id": waiting.id,
    }


def test_company_a_never_reaches_company_b(
    app, bought, make_user, boroughs, signed_in, database_urls
):
    corporate_opportunity(boroughs["hackney"], boroughs["hackney_admin"])
    a = _company(
        bought,
        make_user,
        "admin@initech.example.com",
        "Initech",
        "a@initech.example.com",
        "hackney",
    )
    b = _company(
        bought,
        make_user,
        "admin@globex.example.com",
        f"Globex {SECRET}",
        f"{SECRET}@globex.example.com",
        "hackney",
    )
    matching.ask_for_help(b["person"], f"note {SECRET}")
    db.session.commit()
    placement_id = matching.current_placement(b["employee"])[0].id
    values = {
        "employee_id": b["waiting_id"],
        "placement_id": placement_id,
        "purchase_id": b["purchase"].id,
        "package_id": b["purchase"].package_id,
        "token": b["waiting_token"],
        "slug": "hackney",
    }
    client = signed_in("admin@initech.example.com")
    engine = create_engine(database_urls["superuser"], poolclass=pool.NullPool)
    walked = []
    try:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("corporate"):
                continue
            if not rule.arguments:
                if "GET" in rule.methods:
                    body = client.get(_path(app, rule, {})).get_data(as_text=True)
                    assert SECRET not in body, f"{rule.rule} shows company B's data"
                continue
            path = _path(app, rule, {name: values[name] for name in rule.arguments})
            walked.append(rule.endpoint)
            for method in ("GET", "POST"):
                before = snapshot(engine)
                response = client.open(path, method=method, data={"opportunity_id": "1"})
                after = snapshot(engine)
                # A GET of a POST-only address redirects to the page above it (core).
                allowed = REFUSED | ({303} if "GET" not in rule.methods else set())
                assert response.status_code in allowed, f"{method} {path}: {response.status_code}"
                assert before == after, f"{method} {path} changed the database"
                assert SECRET not in response.get_data(as_text=True), f"{method} {path} leaked"
    finally:
        engine.dispose()
    assert {"corporate_account.resend", "corporate_account.cancel", "corporate_me.join"} <= set(
        walked
    )
    assert len(walked) >= 8
    body = client.get("/corporate/account/impact.csv").get_data(as_text=True)
    assert "Initech" in body and SECRET not in body
    assert accounts.places(a["account"]).invited == 2


def _path(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_an_employee_or_a_stranger_cannot_open_the_company_pages(
    bought, make_user, signed_in, employee
):
    employee("worker@acme.example.com")
    make_user("stranger@example.org")
    for email in ("worker@acme.example.com", "stranger@example.org"):
        person = signed_in(email)
        for path in (
            "/corporate/account",
            "/corporate/account/employees",
            "/corporate/account/impact.csv",
        ):
            assert person.get(path).status_code == 403
        assert (
            person.post(
                "/corporate/account/employees", data={"invite-email": "x@example.org"}
            ).status_code
            == 403
        )
