"""Screenshots for the README: the dashboards (regulator.png, bank.png, agency.png) and the auditor's review page
(audit-review.png) in this folder.

Seeds the small demo region into a temporary var dir (``portal demo --size small`` with PORTAL_VAR_DIR), serves the
portal on 127.0.0.1 and a free port (``portal serve``), signs in as the demo regulator, a bank and an agency (demo
users are not asked for TOTP) in headless Debian Chromium through chromedriver, and saves one PNG per page.

    .venv/bin/python docs/screenshots/make_screenshots.py [--keep] [--width 1440]

Needs ``chromium`` and ``chromium-driver`` (Debian packages) and the ``browser`` extra (selenium).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=zh-CN")
SHOTS = (("regulator", "regulator.png", "npl-ratio"), ("bank-a", "bank.png", "own-npl-ratio"),
         ("agency-b", "agency.png", "own-compliance-rate"))


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(env: dict[str, str]) -> None:
    """``portal demo --size small`` into the temporary var dir."""
    subprocess.run([sys.executable, "-m", "portal", "demo", "--size", "small", "--quiet"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    """Start ``portal serve`` on 127.0.0.1:port in its own process group; wait until /healthz answers."""
    proc = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],  # noqa: S603
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"portal serve exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit("portal serve did not become healthy within 120 s")


def stop(proc: subprocess.Popen) -> None:
    """End the server this script started (its own process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def browser(width: int, profile: Path):
    """Headless Chromium (Debian's) driven by chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise SystemExit("needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},1000"):
        options.add_argument(flag)
    web = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    web.set_page_load_timeout(120)
    return web


def shoot(web, base: str, code: str, out: Path, ready_id: str, width: int) -> None:
    """Sign in as the demo user of ``code``, wait for the page's figures and plots, save a full-page PNG."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    web.delete_all_cookies()
    wait = WebDriverWait(web, 180)
    web.get(f"{base}/login?next=/dash/")
    wait.until(ec.presence_of_element_located((By.ID, "email"))).send_keys(f"admin@{code}.demo")
    web.find_element(By.ID, "password").send_keys(f"demo-{code}")
    web.find_element(By.ID, "sign-in").click()
    wait.until(lambda b: "/login" not in b.current_url)
    web.get(f"{base}/dash/")
    wait.until(ec.presence_of_element_located((By.ID, ready_id)))
    wait.until(lambda b: b.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length")
               >= 2)
    time.sleep(2)  # let plotly finish laying out
    for _ in range(3):  # fit the window to the page; plots re-lay out on resize, so measure again
        web.set_window_size(width, 900)
        time.sleep(1)
        height = web.execute_script("return Math.ceil(document.querySelector('#page').getBoundingClientRect()"
                                    ".bottom + window.scrollY)")
        web.set_window_size(width, min(max(int(height) + 120, 900), 6000))
        time.sleep(1.5)
    web.save_screenshot(str(out))
    print(f"wrote {out.relative_to(ROOT)} ({code})")


def _richest_item(web, base: str, pages: int = 8) -> str | None:
    """The link of the queue item with the most monitor findings among those with a recording (first pages)."""
    from selenium.webdriver.common.by import By

    best, most = None, 0
    for page in range(1, pages + 1):
        web.get(f"{base}/audit/reviews?status=pending&page={page}")
        rows = web.find_elements(By.CSS_SELECTOR, "#review-queue tr[id^='queue-item-']")
        for row in rows:
            cells = row.find_elements(By.TAG_NAME, "td")
            count = int(row.find_element(By.CLASS_NAME, "findings-count").text or 0)
            if cells[4].text.startswith("#") and count > most:
                best, most = row.find_element(By.TAG_NAME, "a").get_attribute("href"), count
        if not web.find_elements(By.ID, "page-next"):
            break
    return best


def shoot_review(web, base: str, out: Path, width: int) -> None:
    """The demo regulator (an auditor) opens the first item of its spot-check review queue; full-page PNG."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    web.delete_all_cookies()
    wait = WebDriverWait(web, 120)
    web.get(f"{base}/login?next=/audit/reviews")
    wait.until(ec.presence_of_element_located((By.ID, "email"))).send_keys("admin@regulator.demo")
    web.find_element(By.ID, "password").send_keys("demo-regulator")
    web.find_element(By.ID, "sign-in").click()
    wait.until(lambda b: "/login" not in b.current_url)
    web.get(f"{base}/audit/reviews")
    switch = web.find_elements(By.XPATH, "//button[normalize-space()='中文']")
    if switch:  # the browser asked for English: show the page in Chinese, as the region's auditors read it
        switch[0].click()
        wait.until(ec.presence_of_element_located((By.ID, "review-queue")))
    best = _richest_item(web, base)
    if best is None:
        raise SystemExit("the demo review queue has no item with a recording and monitor findings")
    web.get(best)
    wait.until(ec.presence_of_element_located((By.ID, "review-item")))
    height = web.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    web.set_window_size(width, min(max(int(height) + 40, 900), 6000))
    time.sleep(1)
    web.save_screenshot(str(out))
    print(f"wrote {out.relative_to(ROOT)} (regulator auditor)")


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, shoot, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (printed)")
    args = parser.parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="portal-shots-"))
    env = {**os.environ, "PORTAL_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)  # the embedded SQLite database of the temporary var dir
    try:
        print(f"seeding the small demo into {var} …")
        seed(env)
        port = free_port()
        proc = serve(env, port)
        web = browser(args.width, var / "chrome")
        try:
            for code, name, ready in SHOTS:
                shoot(web, f"http://127.0.0.1:{port}", code, HERE / name, ready, args.width)
            shoot_review(web, f"http://127.0.0.1:{port}", HERE / "audit-review.png", args.width)
        finally:
            web.quit()
            stop(proc)
    finally:
        if args.keep:
            print(f"kept {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
