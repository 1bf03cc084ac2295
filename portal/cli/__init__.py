"""The ``portal`` command (also ``python -m portal``): one file per topic, user errors as one line and exit 2."""

from __future__ import annotations

import importlib
import sys

import click

from portal.core.errors import PortalError

TOPICS: tuple[str, ...] = ("db", "tenants", "serve", "demo", "audit", "scoring", "evidence", "standards")


class PortalGroup(click.Group):
    """Maps domain errors to one line on stderr and the documented exit status, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PortalError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(exc.exit_status)


@click.group(cls=PortalGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Regional debt-information portal."""


def _register() -> None:
    for topic in TOPICS:
        module = importlib.import_module(f"portal.cli.{topic}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)
        group = getattr(module, "group", None)
        if group is not None:
            main.add_command(group)


_register()
