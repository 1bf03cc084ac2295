"""A real browser: headless Chromium signs in through the form and sees the dashboards shell with live counts."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.dashboards.settle import settled_text


@pytest.mark.browser
@pytest.mark.slow
def test_bank_user_signs_in_and_sees_the_dashboard(live_server, browser, region, tmp_path):
    browser.get(f"{live_server}/dash/")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.ID, "email"))).send_keys(region["bank-a"]["email"])
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    settled_text(browser, "page-title", lambda t: "成员银行" in t)
    settled_text(browser, "banks-total", lambda t: t == "3")
    settled_text(browser, "institutions-total", lambda t: t == "8")
    browser.save_screenshot(str(tmp_path / "bank-dashboard.png"))
