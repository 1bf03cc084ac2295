"""Alembic driven from code: the migrations folder ships beside the package; the URL comes from settings."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from portal.core.errors import BadInput

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` using the project's migrations folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s_%%(rev)s")
    cfg.set_main_option("truncate_slug_length", "40")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision``."""
    try:
        command.upgrade(alembic_config(url), revision)
    except Exception as exc:
        if "Can't locate revision" in str(exc) or "No such revision" in str(exc):
            raise BadInput(f"unknown migration revision {revision!r}") from exc
        raise


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at ``url`` to ``revision``."""
    try:
        command.downgrade(alembic_config(url), revision)
    except Exception as exc:
        if "Can't locate revision" in str(exc) or "No such revision" in str(exc) or "Relative revision" in str(exc):
            raise BadInput(f"unknown migration revision {revision!r}") from exc
        raise


def heads() -> list[str]:
    """The heads of the migration graph (there must be exactly one)."""
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration against the database at ``url`` (developer tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
