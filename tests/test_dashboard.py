"""The dashboard, as a person uses it: a real headless Chromium (issue 14).

The default project's API (with ``DASHBOARD_ENABLED``) and worker run as
real processes against the private Redis, each test on a queue of its own;
Selenium drives Debian's ``chromium`` through ``chromedriver``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .support.fetch_target import FetchTarget
from .support.processes import Service
from .support.stack import Api, Launcher
from .test_e2e import wait_until_complete

STATUSES = ("deferred", "queued", "in_progress", "complete", "failed")

PAGE_BOUND = 5.0
"""Seconds within which a page of a 1,000-job queue must have rendered."""


def executable(*names: str) -> str:
    """Return the first of these programs on PATH."""
    for name in names:
        if found := shutil.which(name):
            return found
    message = f"none of {names} on PATH: apt-get install chromium"
    raise AssertionError(message + " chromium-driver")


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """A headless Chromium, its console log kept."""
    options = webdriver.ChromeOptions()
    options.binary_location = executable("chromium", "chromium-browser")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=1200,800",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = DriverService(executable("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def start(
    launcher: Launcher, name: str, *, worker: bool = True, **settings: str
) -> tuple[Api, Service | None]:
    """Start an API with the dashboard, and a worker, on a queue of a test."""
    settings = {
        "QUEUE_NAME": f"e2e:{name}",
        "DASHBOARD_ENABLED": "true",
        **settings,
    }
    api = launcher.api(f"api-{name}", **settings)
    started = launcher.worker(f"worker-{name}", **settings) if worker else None
    return api, started


def wait[T](
    driver: webdriver.Chrome,
    what: str,
    check: Callable[[webdriver.Chrome], T | Literal[False] | None],
) -> T:
    """Wait up to 15 s for ``check(driver)`` to be truthy, and return it."""
    waiter = WebDriverWait(driver, 15, poll_frequency=0.1)
    found: T = waiter.until(check, what)
    return found


def posted(client: httpx.Client, jobs: str, text: str) -> str:
    """Queue a ``word_count`` job over HTTP; return its id."""
    response = client.post(jobs, json={"task": "word_count", "text": text})
    assert response.status_code == httpx.codes.ACCEPTED, response.text
    job_id: str = response.json()["id"]
    return job_id


def still_loaded(driver: webdriver.Chrome) -> bool:
    """Whether the page is the one `mark` marked, never reloaded."""
    return driver.execute_script("return window.marked === true") is True


def text_of(driver: webdriver.Chrome, css: str) -> str | None:
    """Return an element's text, or `None` if there is no such element."""
    try:
        return str(driver.find_element(By.CSS_SELECTOR, css).text)
    except NoSuchElementException:
        return None


def csp_errors(driver: webdriver.Chrome) -> list[str]:
    """Console messages about something the page's CSP refused."""
    return [
        str(entry["message"])
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def test_counts_and_a_job_completing_without_reload(
    launcher: Launcher,
    jobs: str,
    browser: webdriver.Chrome,
    tmp_path: Path,
) -> None:
    api, _ = start(launcher, "dash-live")
    dashboard = f"{api.url}/example/dashboard"
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        wait_until_complete(c, f"{jobs}/{posted(c, jobs, 'a b')}")
        page = c.get(dashboard)
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]

        browser.get(dashboard)
        for status in STATUSES:
            listed = c.get(jobs, params={"status": status}).json()
            shown = text_of(browser, f"#count-{status} strong")
            assert shown == str(len(listed)), status
        browser.save_screenshot(str(tmp_path / "overview.png"))
        browser.execute_script("window.marked = true")
        posted(c, jobs, "c d")
        wait(
            browser,
            "the count of complete jobs to follow",
            lambda d: text_of(d, "#count-complete strong") == "2",
        )
        assert still_loaded(browser)

        browser.get(f"{dashboard}/jobs?status=complete")
        browser.execute_script("window.marked = true")
        job_id = posted(c, jobs, "e f g")
        wait(
            browser,
            "the new job's row",
            lambda d: text_of(d, f"#job-{job_id}"),
        )
        assert still_loaded(browser)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources, "the page loaded no script or style sheet"
    assert all(name.startswith(api.url) for name in resources), resources
    assert csp_errors(browser) == []
    assert (tmp_path / "overview.png").read_bytes()[:4] == b"\x89PNG"


def test_abort_and_requeue_from_the_buttons(
    launcher: Launcher,
    jobs: str,
    browser: webdriver.Chrome,
    target: FetchTarget,
) -> None:
    api, _ = start(launcher, "dash-buttons", WORKER_MAX_TRIES="1")
    dashboard = f"{api.url}/example/dashboard"
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        body = {"task": "fetch_status", "url": target.url("held", "hang")}
        held = c.post(jobs, json=body).json()["id"]
        target.wait_for_request("held")
        browser.get(f"{dashboard}/jobs/{held}")
        browser.find_element(By.ID, "abort").click()
        wait(browser, "the confirmation", lambda d: d.switch_to.alert).accept()
        wait(
            browser,
            "the aborted job's page",
            lambda d: "Job was aborted" in (text_of(d, "main") or ""),
        )

        body = {"task": "fetch_status", "url": target.url("down", fail=1)}
        down = c.post(jobs, json=body).json()["id"]
        wait(
            browser,
            "the job to fail",
            lambda _: c.get(f"{jobs}/{down}").json()["status"] == "failed",
        )
        browser.get(f"{dashboard}/jobs/{down}")
        browser.find_element(By.ID, "retry").click()
        wait(browser, "the confirmation", lambda d: d.switch_to.alert).accept()
        wait(
            browser,
            "the new job's page",
            lambda d: (
                d.current_url != f"{dashboard}/jobs/{down}"
                and "/jobs/" in d.current_url
            ),
        )
        new_id = browser.current_url.rsplit("/", 1)[1]
        job = wait_until_complete(c, f"{jobs}/{new_id}")
    assert job["success"] is True, job
    assert job["kwargs"] == {"url": target.url("down", fail=1)}
    assert csp_errors(browser) == []


def test_a_thousand_jobs_render_in_bounded_time(
    launcher: Launcher, jobs: str, browser: webdriver.Chrome
) -> None:
    # No worker: the jobs stay queued.
    api, _ = start(launcher, "dash-many", worker=False)
    dashboard = f"{api.url}/example/dashboard"
    with httpx.Client(base_url=api.url, timeout=10, trust_env=False) as c:
        for i in range(1000):
            body = {"task": "word_count", "text": f"text {i}"}
            assert c.post(jobs, json=body).status_code == httpx.codes.ACCEPTED
    for url in (dashboard, f"{dashboard}/jobs?status=queued&page=20"):
        start_time = time.monotonic()
        browser.get(url)
        elapsed = time.monotonic() - start_time
        assert elapsed < PAGE_BOUND, (url, elapsed)
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 50
    browser.get(dashboard)
    assert text_of(browser, "#count-queued strong") == "1000"
