"""Headless Chromium: the regulator signs in with password and TOTP and sees the regional overview with a computed
NPL ratio; a bank user sees its own page (own figures, the small region suppressed)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.dashboards.settle import settled_displayed, settled_text

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

    _sign_in(browser, live_server, region["regulator"]["email"], secret)
    settled_text(browser, "page-title", lambda t: "监管机构" in t)
    # a computed ratio, not suppressed, not a reported figure
    settled_text(browser, "npl-ratio", lambda t: bool(PERCENT.match(t)))
    settled_displayed(browser, "npl-trend")
    browser.save_screenshot(str(tmp_path / "regulator.png"))

    browser.delete_all_cookies()
    _sign_in(browser, live_server, region["bank-a"]["email"])
    settled_text(browser, "page-title", lambda t: "成员银行" in t)
    settled_text(browser, "own-npl-ratio", lambda t: bool(PERCENT.match(t)))
    settled_text(browser, "region-npl-ratio", lambda t: "已抑制" in t)
    browser.save_screenshot(str(tmp_path / "bank.png"))
