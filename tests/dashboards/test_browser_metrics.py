"""Headless Chromium: the regulator signs in with password and TOTP and sees the regional overview with a computed
NPL ratio; a bank user sees its own page (own figures, the small region suppressed)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD

PERCENT = re.compile(r"^\d{1,3}\.\d{2}%$")


def _sign_in(browser, base: str, email: str, totp_secret: str | None = None) -> WebDriverWait:
    wait = WebDriverWait(browser, 90)
    browser.get(f"{base}/dash/")
    wait.until(ec.presence_of_element_located((By.ID, "email"))).send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    if totp_secret:
        import pyotp

        code = wait.until(ec.presence_of_element_located((By.ID, "code")))
        code.send_keys(pyotp.TOTP(totp_secret).now())
        code.submit()
        wait.until(lambda b: "/login" not in b.current_url)
        browser.get(f"{base}/dash/")
    return wait


@pytest.mark.browser
@pytest.mark.slow
def test_regulator_sees_computed_npl_ratio_and_bank_its_own_page(full_app, live_server, browser, region, book,
                                                                 tmp_path):
    import pyotp

    from portal.tenancy.models import User

    secret = pyotp.random_base32()
    with full_app.extensions["db"].unit_of_work() as s:
        user = s.get(User, region["regulator"]["user_id"])
        user.totp_secret, user.totp_enabled = secret, True

    wait = _sign_in(browser, live_server, region["regulator"]["email"], secret)
    title = wait.until(ec.presence_of_element_located((By.ID, "page-title")))
    assert "监管机构" in title.text
    npl = wait.until(ec.presence_of_element_located((By.ID, "npl-ratio")))
    assert PERCENT.match(npl.text), npl.text  # a computed ratio, not suppressed, not a reported figure
    assert browser.find_element(By.ID, "npl-trend").is_displayed()
    browser.save_screenshot(str(tmp_path / "regulator.png"))

    browser.delete_all_cookies()
    wait = _sign_in(browser, live_server, region["bank-a"]["email"])
    title = wait.until(ec.presence_of_element_located((By.ID, "page-title")))
    assert "成员银行" in title.text
    own = wait.until(ec.presence_of_element_located((By.ID, "own-npl-ratio")))
    assert PERCENT.match(own.text), own.text
    assert "已抑制" in browser.find_element(By.ID, "region-npl-ratio").text
    browser.save_screenshot(str(tmp_path / "bank.png"))
