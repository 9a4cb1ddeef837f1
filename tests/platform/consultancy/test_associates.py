"""Associates: applying (with a checked photo), the hub's decisions, one's own profile and
pausing, offers, and the public directory's search (with a constant number of statements)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import insert, select

from londonhub.platform.consultancy import associates
from londonhub.platform.consultancy.models import Associate, AssociateStatus, Offer
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.storage import get_storage

from .conftest import png


def _application(**overrides):
    data = {
        "name": "Nia Newcomer",
        "headline": "Fundraising for community groups",
        "bio": "Bids and trusts.",
        "expertise": ["fundraising-and-bids", "strategy"],
        "boroughs": ["lambeth", "southwark"],
        "languages": "English, Twi",
        "day_rate": "380",
        "availability": "available",
        "references": "Kim Referee, kim@example.org",
        "photo_alt": "Nia smiling",
    }
    data.update(overrides)
    return data


def test_a_person_applies_with_a_photo_and_is_not_listed_until_approved(
    world, quick_user, signed_in, client
):
    quick_user("nia@example.org", name="Nia Newcomer")
    nia = signed_in("nia@example.org")
    data = _application()
    data["photo"] = (io.BytesIO(png()), "me.png")
    response = nia.post("/consultancy/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.data[-1500:]
    associate = db.session.scalar(select(Associate).where(Associate.name == "Nia Newcomer"))
    assert associate.status == AssociateStatus.APPLIED
    assert associate.day_rate_pence == 38_000
    assert associate.expertise_list == ["fundraising-and-bids", "strategy"]
    assert get_storage().get(associate.photo_key).startswith(b"\x89PNG")
    assert client.get(f"/consultancy/{associate.slug}").status_code == 404
    assert b"Nia Newcomer" not in client.get("/consultancy").data

    hub = signed_in("hub@example.org")
    assert hub.post(f"/hub/consultancy/associates/{associate.id}/approve").status_code == 302
    page = client.get(f"/consultancy/{associate.slug}")
    assert page.status_code == 200 and b"Fundraising for community groups" in page.data
    photo = client.get(f"/consultancy/{associate.slug}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert b"kim@example.org" not in page.data  # references are for the hub only


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expertise": []}, b"Choose at least one area of expertise"),
        ({"boroughs": []}, b"Choose at least one borough"),
        ({"day_rate": "0"}, b"at least"),
        ({"day_rate": "-40"}, b"at least"),
        ({"day_rate": "lots"}, b"Enter an amount in pounds"),
        ({"references": ""}, b"referee"),
        ({"photo": (io.BytesIO(b"GIF89a not a png"), "me.gif")}, b"must be a PNG or JPEG"),
    ],
)
def test_a_bad_application_gets_a_clear_message_and_writes_nothing(
    world, quick_user, signed_in, change, message
):
    quick_user("nia@example.org", name="Nia Newcomer")
    nia = signed_in("nia@example.org")
    data = _application(**change)
    response = nia.post("/consultancy/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.data
    assert db.session.scalar(select(Associate).where(Associate.name == "Nia Newcomer")) is None


def test_only_hub_admins_approve_suspend_and_feature(world, signed_in, client):
    ada = signed_in(world.associate_user.email)
    target = world.other_associate.id
    for action in ("suspend", "feature", "approve"):
        assert ada.post(f"/hub/consultancy/associates/{target}/{action}").status_code == 403
    hub = signed_in("hub@example.org")
    hub.post(f"/hub/consultancy/associates/{target}/feature")
    db.session.expire_all()
    assert db.session.get(Associate, target).featured
    hub.post(f"/hub/consultancy/associates/{target}/suspend")
    assert client.get(f"/consultancy/{world.other_associate.slug}").status_code == 404
    assert b"Ben Builder" not in client.get("/consultancy").data


def test_an_associate_edits_their_profile_pauses_and_publishes_an_offer(world, signed_in, client):
    ada = signed_in(world.associate_user.email)
    data = _application(name="Ada Adviser", headline="Governance and finance", day_rate="500")
    data.pop("photo_alt")
    assert ada.post("/consultancy/profile", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Associate, world.associate.id).day_rate_pence == 50_000
    ada.post("/consultancy/profile/pause", data={"paused": "1"})
    assert b"Ada Adviser" not in client.get("/consultancy?available=y").data
    assert b"Ada Adviser" in client.get("/consultancy").data
    ada.post("/consultancy/profile/pause", data={"paused": "0"})
    assert b"Ada Adviser" in client.get("/consultancy?available=y").data

    response = ada.post(
        "/consultancy/offers",
        data={
            "offer-title": "Governance health check",
            "offer-price": "450",
            "offer-days": "2",
            "offer-summary": "Two days",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/consultancy/{world.associate.slug}")
    assert b"Governance health check: \xc2\xa3450.00, 2 days" in page.data
    ada.post(
        "/consultancy/offers", data={"offer-title": "Free", "offer-price": "0", "offer-days": "1"}
    )
    assert db.session.scalar(select(Offer).where(Offer.title == "Free")) is None


def test_directory_filters_by_expertise_borough_rate_and_keyword(world, client):
    page = client.get("/consultancy?expertise=finance").data
    assert b"Ben Builder" in page and b"Ada Adviser" not in page
    page = client.get("/consultancy?borough=camden").data
    assert b"Ada Adviser" in page and b"Ben Builder" not in page
    page = client.get("/consultancy?rate=300-500").data
    assert b"Ada Adviser" in page
    assert b"Ada Adviser" not in client.get("/consultancy?rate=over-750").data
    page = client.get("/consultancy?q=builder").data
    assert b"Ben Builder" in page and b"Ada Adviser" not in page
    # Unknown filter values are ignored, never an error.
    assert client.get("/consultancy?expertise=nonsense&rate=zzz&page=99999").status_code == 200


def _pool(size: int) -> None:
    """`size` approved associates, inserted in bulk."""
    start = db.session.scalar(select(db.func.count(User.id)))
    users = [
        {
            "email": f"pool{start + n}@example.org",
            "name": f"Pool Person {n}",
            "password_hash": "",
            "session_key": f"k{start + n}",
            "email_verified_at": None,
            "is_hub_admin": False,
            "disabled": False,
        }
        for n in range(size)
    ]
    columns = {c.name for c in User.__table__.columns}
    users = [{k: v for k, v in u.items() if k in columns} for u in users]
    db.session.execute(insert(User), users)
    ids = db.session.scalars(
        select(User.id).where(User.email.like("pool%"), User.id.not_in(select(Associate.user_id)))
    ).all()
    db.session.execute(
        insert(Associate),
        [
            {
                "user_id": uid,
                "slug": f"pool-{uid}",
                "name": f"Pool Person {uid}",
                "headline": "Governance help",
                "bio": "",
                "expertise": "|governance|finance|",
                "boroughs": "|camden|hackney|",
                "languages": "English",
                "day_rate_pence": 30_000 + uid % 500 * 100,
                "references": "",
                "status": "approved",
                "featured": uid % 50 == 0,
                "paused": False,
                "commission_percent": 15,
                "availability": "available",
            }
            for uid in ids
        ],
    )
    db.session.commit()


@pytest.mark.postgres
def test_directory_search_uses_the_same_number_of_statements_for_10_and_1000(
    world, client, count_queries, capsys
):
    path = "/consultancy?expertise=governance&borough=camden&rate=300-500&available=y&q=help"
    counts = []
    for size in (10, 990):  # 10, then 1,000 associates in all
        _pool(size)
        client.get(path)  # warm: the first request loads what every request loads once
        count_queries.clear()
        response = client.get(path)
        assert response.status_code == 200
        assert b"Pool Person" in response.data
        counts.append(len(count_queries))
    total = db.session.scalar(select(db.func.count(Associate.id)))
    with capsys.disabled():
        print(
            f"\nconsultancy directory: {counts[0]} statements at 12 associates, "
            f"{counts[1]} at {total}"
        )
    assert counts[0] == counts[1]


def test_the_demo_has_associate_example_org_approved_and_ten_more(app, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    rows = db.session.scalars(
        select(Associate).where(Associate.status == AssociateStatus.APPROVED)
    ).all()
    assert len(rows) >= 11
    emails = {db.session.get(User, a.user_id).email for a in rows}
    assert "associate@example.org" in emails
    covered = {e for a in rows for e in a.expertise_list}
    from londonhub.platform.consultancy.models import EXPERTISE

    assert covered == set(EXPERTISE)
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert len(db.session.scalars(select(Associate)).all()) == len(rows)


def test_associate_pages_of_unknown_slugs_are_not_found(world, client):
    assert client.get("/consultancy/nobody-at-all").status_code == 404
    assert client.get("/consultancy/nobody-at-all/photo").status_code == 404
    assert {"apply", "profile", "lifeboat", "work"} <= associates.RESERVED_SLUGS
