"""What commands need at run time: an app (settings, database, keys) without the dashboards mounted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from portal.config import Settings
from portal.core.crypto import Keyring
from portal.core.db import Database


@dataclass(frozen=True)
class Runtime:
    """The pieces a command uses."""

    app: Flask
    db: Database
    keyring: Keyring
    settings: Settings


@contextmanager
def runtime() -> Iterator[Runtime]:
    """Build the app from the environment and run the block inside its app context."""
    from portal import create_app

    app = create_app(mount_extensions=False)
    with app.app_context():
        yield Runtime(app, app.extensions["db"], app.extensions["keyring"], app.config["SETTINGS"])
    app.extensions["db"].dispose()
