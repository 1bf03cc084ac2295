"""``portal demo [--size small|medium|large] [--seed N]``: a deterministic synthetic region with a progress bar."""

from __future__ import annotations

import click
from tqdm import tqdm

from portal.cli.context import runtime
from portal.core.migrate import upgrade
from portal.demo import SIZES, seed_demo
from portal.tenancy.demo import DEMO_INSTITUTIONS, demo_password

COMMANDS: list[click.Command] = []


@click.command("demo")
@click.option("--size", type=click.Choice(list(SIZES)), default="small", show_default=True)
@click.option("--seed", type=int, default=20261128, show_default=True)
@click.option("--quiet", is_flag=True, help="no progress bar")
def demo(size: str, seed: int, quiet: bool) -> None:
    """Migrate the database and seed the demo region (the database must be empty)."""
    bars: list[tqdm] = []

    def progress(label: str, total: int):
        bar = tqdm(total=total, desc=label, unit="row", disable=quiet, leave=False)
        bars.append(bar)
        return bar

    with runtime() as rt:
        upgrade(rt.db.url)
        seed_demo(rt.db, rt.keyring, size=size, seed=seed, progress=progress)
    for bar in bars:
        bar.close()
    click.echo(f"demo region seeded (size {size}, seed {seed}). Demo sign-ins:")
    for code, *_ in DEMO_INSTITUTIONS:
        click.echo(f"  admin@{code}.demo / {demo_password(code)}")


COMMANDS.append(demo)
