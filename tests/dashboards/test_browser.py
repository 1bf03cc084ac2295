"""A real browser: headless Chromium signs in through the form and sees the dashboards shell with live counts."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.slow
def test_bank_user_signs_in_and_sees_the_dashboard(live_server, browser, region, tmp_path):
    browser.get(f"{live_server}/dash/")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.ID, "email"))).send_keys(region["bank-a"]["email"])
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    title = wait.until(ec.presence_of_element_located((By.ID, "page-title")))
    assert "成员银行" in title.text
    banks = wait.until(ec.presence_of_element_located((By.ID, "banks-total")))
    assert banks.text == "3"
    assert browser.find_element(By.ID, "institutions-total").text == "8"
    browser.save_screenshot(str(tmp_path / "bank-dashboard.png"))
