"""Fixtures for dashboards: the full app (dashboards mounted) served on a real port, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from portal.core.db import Base


@pytest.fixture
def full_app(app_config):
    """The portal with the dashboards mounted (what `make run` and wsgi.py serve)."""
    from portal import create_app
    from portal.models import import_all

    import_all()
    application = create_app(app_config, mount_extensions=True)
    Base.metadata.create_all(application.extensions["db"].engine)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def live_server(full_app):
    """Serve ``full_app`` on 127.0.0.1 and a free port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, full_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    """Headless Debian Chromium through chromedriver (never a downloaded browser)."""
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromium-driver are required here (apt-get install chromium chromium-driver)")
        pytest.skip("chromium/chromedriver not installed; CI installs them and requires this test")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={tmp_path / 'chrome'}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


from tests.services.monitoring.conftest import book  # noqa: E402,F401 - the known book, shared with these tests
