"""Composition root for WSGI servers (gunicorn 'wsgi:app'): the portal with its dashboards mounted."""

from portal import create_app

app = create_app()
celery = app.extensions["celery"]
