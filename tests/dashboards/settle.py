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

    try:
        return WebDriverWait(browser, timeout).until(_read)
    except Exception as exc:  # TimeoutException: say what the page showed instead
        last = seen[-1] if seen else "<element never appeared>"
        raise AssertionError(f"#{element_id} never showed acceptable text; last seen {last!r}") from exc
