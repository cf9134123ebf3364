"""The main journey in a real browser: start the app, upload the sample tracker on the Data page,
and see the Overview's figures. In CI (RECRUIT_DASH_REQUIRE_BROWSER=1 or CI=true) a missing
browser is a failure, never a skip."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("RECRUIT_DASH_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = bool(os.environ.get("RECRUIT_DASH_REQUIRE_BROWSER") or os.environ.get("CI"))
SAMPLE = ROOT / "sample_data" / "lead_tracker.xlsx"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(folder: Path, port: int, environment: dict[str, str], *options: str
              ) -> subprocess.Popen:
    """Start `streamlit run app.py` on 127.0.0.1 at the port, with the environment and further
    options given, in a session of its own; its output goes to `streamlit-PORT.log` in the folder
    (a pipe nobody reads would stop the server once it filled)."""
    with (folder / f"streamlit-{port}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", *options],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=environment,
            start_new_session=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Start the app and yield its address; stop it afterwards."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("server")
    # Its own history file: the test process may hold the session's one open.
    process = start_app(folder, port, {**os.environ, "RECRUIT_DASH_DB": str(folder / "h.duckdb")})
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url, 60)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    """Yield a headless Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        message = f"no browser at {CHROMIUM}: install Debian's chromium package"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield launched
        launched.close()


def _idle(page) -> None:
    """Wait until the app has finished its run: a click during a rerun can be lost."""
    page.wait_for_timeout(300)
    page.locator("[data-testid=stStatusWidget]").wait_for(state="detached", timeout=30_000)


def test_upload_on_data_page_then_overview_shows_figures(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("sample data", exact=False).first.wait_for(timeout=60_000)

    page.get_by_role("link", name="Data").click()
    page.get_by_text("What we understood").wait_for(timeout=30_000)
    _idle(page)  # a file given while the page is still drawing can go to an input it replaces
    page.locator("input[type=file]").first.set_input_files(str(SAMPLE))
    # Once the upload is ours, the sample banner goes and the sheet list names the upload.
    page.get_by_text("Lead Tracker: leads").first.wait_for(timeout=60_000)
    page.get_by_text("You are looking at").wait_for(state="detached", timeout=30_000)

    page.get_by_role("link", name="Overview").click()
    card = page.locator("[data-testid=stMetric]").filter(has_text="Leads generated")
    card.wait_for(timeout=30_000)
    value = card.locator("[data-testid=stMetricValue]").inner_text()
    assert value.replace(",", "").isdigit() and int(value.replace(",", "")) > 0
    assert page.locator("[data-testid=stMetric]").count() == 6
    assert page.get_by_text("Traceback").count() == 0

    page.get_by_role("link", name="Funnel").click()
    page.get_by_text("Cohort funnel").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid=stPlotlyChart]").count() >= 2  # the funnel, time in stage
    funnel_chart = page.locator(".js-plotly-plot").first
    funnel_chart.locator("text", has_text="CVs sent / shortlist").first.wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0


def test_a_workbook_that_kills_readers_gets_a_message_and_the_same_server_goes_on(
        server, browser, tmp_path):
    import make_hostile

    bad = tmp_path / "far_cells.xlsx"
    bad.write_bytes(make_hostile.a1_and_xfd1048576())  # would abort the reader and the server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/data")
    page.get_by_text("What we understood").wait_for(timeout=60_000)
    page.locator("input[type=file]").first.set_input_files(str(bad))
    alert = page.locator("[data-testid=stAlertContentError]").filter(has_text="far_cells.xlsx")
    alert.wait_for(timeout=60_000)
    assert "far more than a lead tracker needs" in alert.inner_text()
    assert page.get_by_text("Traceback").count() == 0

    page.locator("input[type=file]").first.set_input_files(str(SAMPLE))
    page.get_by_text("Lead Tracker: leads").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Overview").click()
    card = page.locator("[data-testid=stMetric]").filter(has_text="Leads generated")
    card.wait_for(timeout=30_000)
    assert int(card.locator("[data-testid=stMetricValue]").inner_text().replace(",", "")) > 0
    assert page.locator("[data-testid=stMetric]").count() == 6


def test_stalled_and_today_lists_the_calls_and_downloads_the_call_list(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(server)
    page.get_by_role("link", name="Stalled & today").click()
    page.get_by_text("Calls for").wait_for(timeout=60_000)
    card = page.locator("[data-testid=stMetric]").filter(has_text="Overdue").first  # not "… 90 days"
    card.wait_for(timeout=30_000)
    assert int(card.locator("[data-testid=stMetricValue]").inner_text().replace(",", "")) > 0
    _idle(page)
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Download CSV").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("call_list_") and saved.suffix == ".csv"
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Consultant,Urgency,Call,Who,Client") and len(lines) > 2

    page.get_by_role("tab", name="Stalled leads").click()
    stalled = page.locator("[data-testid=stMetric]").filter(has_text="Stalled leads")
    stalled.wait_for(timeout=30_000)
    assert int(stalled.locator("[data-testid=stMetricValue]").inner_text().replace(",", "")) > 0
    _idle(page)
    with page.expect_download(timeout=30_000) as calendar:
        page.get_by_role("button", name="Download calendar (.ics)").last.click()
    ics = tmp_path / "stalled.ics"
    calendar.value.save_as(ics)
    assert ics.read_text().count("BEGIN:VEVENT") > 0
    assert page.get_by_text("Traceback").count() == 0


def test_the_clients_page_shows_client_experience_figures(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_role("link", name="Clients").click()
    card = page.locator("[data-testid=stMetric]").filter(has_text="Repeat business ratio")
    card.wait_for(timeout=60_000)
    assert card.locator("[data-testid=stMetricValue]").inner_text().endswith("%")
    page.get_by_text("Score distribution").wait_for(timeout=30_000)
    page.locator("[data-testid=stPlotlyChart]").first.wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0


def test_the_consultants_page_downloads_a_coaching_pack(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(server)
    page.get_by_role("link", name="Consultants").click()
    page.get_by_text("Nails per milestone").first.wait_for(timeout=60_000)
    button = page.get_by_role("button", name="Download coaching pack (PDF)")
    button.wait_for(timeout=60_000)
    _idle(page)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    pack = tmp_path / download.value.suggested_filename
    download.value.save_as(pack)
    assert pack.suffix == ".pdf" and pack.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    assert "Coaching pack" in PdfReader(pack).pages[0].extract_text()
    assert page.get_by_text("Traceback").count() == 0


def wait_until_serving(process: subprocess.Popen, url: str, seconds: float) -> None:
    """Wait until the app at the url answers its health check; fail the test (the server
    stopped) when it has not within the seconds given."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    process.kill()
    pytest.fail(f"the app did not start within {seconds:g} s")
