"""``portal db upgrade`` / ``portal db downgrade REV``: Alembic migrations of the configured database."""

from __future__ import annotations

import click

from portal.cli.context import runtime
from portal.core.migrate import downgrade, upgrade

group = click.Group("db", help="Database migrations (Alembic).")


@group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Upgrade the configured database to REVISION (default: head)."""
    with runtime() as rt:
        upgrade(rt.db.url, revision)
    click.echo(f"database upgraded to {revision}")


@group.command("downgrade")
@click.argument("revision")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the configured database to REVISION (e.g. -1 or base)."""
    with runtime() as rt:
        downgrade(rt.db.url, revision)
    click.echo(f"database downgraded to {revision}")
