"""``portal institution add``, ``portal user add``, ``portal token issue|revoke``: bootstrapping tenants."""

from __future__ import annotations

import sys

import click

from portal.access import OPERATOR
from portal.cli.context import runtime
from portal.tenancy import operations as tenancy

institution = click.Group("institution", help="Institutions (tenants).")
user = click.Group("user", help="Users of an institution.")
token = click.Group("token", help="API tokens.")
COMMANDS = (institution, user, token)


@institution.command("add")
@click.option("--kind", required=True, help="regulator, bank, agency, mediator or tracer")
@click.option("--name", required=True)
@click.option("--code", required=True, help="stable lower-case code, e.g. bank-a")
@click.option("--uscc", default=None, help="unified social credit code (18 characters, checked)")
@click.option("--district", default=None)
def institution_add(kind: str, name: str, code: str, uscc: str | None, district: str | None) -> None:
    """Add a tenant and print its id."""
    with runtime() as rt, rt.db.unit_of_work() as session:
        inst = tenancy.create_institution(
            OPERATOR, kind=kind, name=name, code=code, uscc=uscc, district=district, session=session
        )
        click.echo(inst.id)


@user.command("add")
@click.option("--institution", "institution_code", required=True, help="institution code")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="admin, analyst, operator, auditor (repeatable)")
@click.option("--name", "display_name", default=None)
def user_add(institution_code: str, email: str, roles: tuple[str, ...], display_name: str | None) -> None:
    """Add a user; the password is read from standard input (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    with runtime() as rt, rt.db.unit_of_work() as session:
        created = tenancy.create_user(
            OPERATOR,
            institution_code=institution_code,
            email=email,
            roles=list(roles),
            password=password,
            display_name=display_name,
            session=session,
        )
        click.echo(created.id)


@token.command("issue")
@click.option("--user", "email", required=True, help="the user's e-mail")
@click.option("--ttl-days", default=None, type=int, help="lifetime in days (default from settings)")
@click.option("--label", default=None)
def token_issue(email: str, ttl_days: int | None, label: str | None) -> None:
    """Print a new API token (shown only this once; stored hashed)."""
    with runtime() as rt, rt.db.unit_of_work() as session:
        owner = tenancy.user_by_email(session, email)
        ttl = ttl_days if ttl_days is not None else rt.settings.token_default_ttl_days
        _row, secret = tenancy.issue_token(OPERATOR, owner, ttl_days=ttl, label=label, session=session)
        click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke the token with TOKEN_ID at once."""
    with runtime() as rt, rt.db.unit_of_work() as session:
        tenancy.revoke_token(OPERATOR, token_id, session=session)
    click.echo(f"token {token_id} revoked")
