"""Reading text from a Dash page that is still re-rendering: Dash replaces nodes after callbacks run, so an element
found a moment ago may be stale by the time its text is read. These helpers find the element anew on every poll."""

from __future__ import annotations

from collections.abc import Callable

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def settled_text(browser, element_id: str, accept: Callable[[str], bool], timeout: float = 90) -> str:
    """Return the text of ``#element_id`` once ``accept(text)`` holds; fail with the last text seen otherwise."""
    seen: list[str] = []

    def _read(driver):
        try:
            text = driver.find_element(By.ID, element_id).text
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        seen.append(text)
        return text if accept(text) else False

    return _wait(browser, element_id, _read, seen, timeout)


def settled_displayed(browser, element_id: str, timeout: float = 90) -> None:
    """Wait until ``#element_id`` is displayed (found anew on every poll); fail naming it otherwise."""

    def _shown(driver):
        try:
            return driver.find_element(By.ID, element_id).is_displayed()
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    _wait(browser, element_id, _shown, [], timeout)


def _wait(browser, element_id: str, condition, seen: list[str], timeout: float):
    """Poll ``condition`` until it returns something truthy; on timeout an AssertionError with the last text seen."""
    try:
        return WebDriverWait(browser, timeout).until(condition)
    except Exception as exc:  # TimeoutException: say what the page showed instead
        last = seen[-1] if seen else "<element never appeared>"
        raise AssertionError(f"#{element_id} never became acceptable; last text seen {last!r}") from exc
