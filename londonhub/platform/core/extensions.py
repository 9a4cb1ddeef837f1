"""The shared extension objects; `platform.core` is the only place that creates them."""

from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Every table's id: 64-bit on PostgreSQL, SQLite's rowid integer in the embedded default.
ID_TYPE = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

#: Schema objects that migrations create on PostgreSQL only and the models leave out (so
#: SQLite works unchanged), as ("column", "table.column") or ("index", "name"). Features add
#: theirs from their models module; autogenerate and the models-agree test skip them.
DATABASE_ONLY: set[tuple[str, str]] = set()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything except the DATABASE_ONLY objects."""
    if type_ == "column" and obj.table is not None:
        return ("column", f"{obj.table.name}.{name}") not in DATABASE_ONLY
    return (type_, name) not in DATABASE_ONLY
