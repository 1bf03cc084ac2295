"""The Dash dashboards, mounted at /dash/ on the portal's Flask server (entry point ``portal.mounts``).

Only signed-in users reach them; every figure comes through :mod:`dashboards.data`, which runs the persisted GraphQL
operations as the viewer — so the dashboards see exactly what the access policy lets the viewer see.
"""

from __future__ import annotations

from flask import Flask

from dashboards.app import create_dash


def mount(server: Flask) -> None:
    """Create the one Dash app of ``server`` and guard its routes."""
    create_dash(server)
