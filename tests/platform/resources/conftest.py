"""Fixtures for the resource pool: two workspaces with staff, the hub, small sample files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from sqlalchemy import event

from londonhub.billing.services import hub_workspace
from londonhub.platform.core.extensions import db
from londonhub.platform.resources import services
from londonhub.platform.resources.models import Resource

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CSV = b"name,role\nAda,trustee\n"


def office_file(kind: str) -> bytes:
    """A minimal DOCX, XLSX or ODT: the parts each format must contain."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "odt":
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
            archive.writestr(part, "<doc/>")
    return buffer.getvalue()


def values(**overrides) -> services.ResourceInput:
    data = {
        "title": "Safeguarding basics",
        "summary": "What every group must do.",
        "body": "# Start here\n\nKeep people safe.\n\nName a lead.",
        "resource_type": "advice-sheet",
        "topics": ["safeguarding"],
        "audience": "everyone",
        "licence": "cc-by-4.0",
    }
    data.update(overrides)
    return services.ResourceInput(**data)


@pytest.fixture
def hackney(make_workspace):
    return make_workspace("hackney", "Hackney CVS", borough="Hackney")


@pytest.fixture
def camden(make_workspace):
    return make_workspace("camden", "Camden CVS", borough="Camden")


@pytest.fixture
def hub(app):
    workspace = hub_workspace()
    db.session.commit()
    return workspace


@pytest.fixture
def hackney_staff(make_user, hackney):
    return make_user("staff@hackney.example.org", workspace=hackney, role="staff")


@pytest.fixture
def camden_staff(make_user, camden):
    return make_user("staff@camden.example.org", workspace=camden, role="staff")


@pytest.fixture
def hub_admin(make_user):
    return make_user("hub@example.org", hub_admin=True)


@pytest.fixture
def make_resource(app) -> Callable[..., Resource]:
    """A resource made through the services; published unless `publish=False`."""

    def factory(owner, user, *, publish: bool = True, files=(), **overrides) -> Resource:
        resource = services.create_resource(user, owner, values(**overrides))
        for name, data in files:
            services.add_file(user, owner, resource.id, data, name)
        if publish:
            services.publish(user, owner, resource.id, "")
        db.session.commit()
        return resource

    return factory


@pytest.fixture
def count_queries(app):
    statements: list[str] = []

    def counter(conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "PRAGMA")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield statements
    event.remove(engine, "before_cursor_execute", counter)
