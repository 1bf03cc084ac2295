"""The portal's Flask application. ``create_app`` builds it; importing this package has no side effects."""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None, *, mount_extensions: bool = True):  # noqa: ANN201
    """Build the Flask app: settings, extensions, blueprints, GraphQL, Celery. See portal.app for the steps.

    ``mount_extensions`` mounts the ``portal.mounts`` entry points (the Dash dashboards); Flask is imported lazily.
    """
    from portal.app import build_app

    return build_app(config, mount_extensions=mount_extensions)
