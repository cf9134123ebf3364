"""Sign-in in a real browser against a local OpenID provider: the test starts the provider
(oidc-provider-mock) and a Streamlit server configured to use it, both on 127.0.0.1 only, then
signs people in through the provider's own form. In CI (RECRUIT_DASH_REQUIRE_BROWSER=1 or
CI=true) a missing browser is a failure, never a skip."""

from __future__ import annotations

import os
import secrets
import threading

import pytest
import test_browser
from test_browser import _free_port, _idle, start_app, wait_until_serving
from test_signin import CONSULTANTS, write_people

LOOPBACK = "127.0.0.1"
WAIT_MS = 90_000  # the machine is small and shared: wait on what the page says, generously
browser = test_browser.browser  # the main journey's Chromium: in CI, no browser is a failure


@pytest.fixture(scope="module")
def provider():
    """Start a local OpenID provider and yield its address; stop it afterwards."""
    from oidc_provider_mock import app
    from werkzeug.serving import make_server

    server = make_server(LOOPBACK, 0, app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def server(provider, tmp_path_factory):
    """Start the app with sign-in configured in a secrets.toml of the test's own (never one in
    the repository) and the people sheet, and yield its address; stop it afterwards."""
    folder = tmp_path_factory.mktemp("signin")
    port = _free_port()
    url = f"http://{LOOPBACK}:{port}"
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "recruit-dash-test"\n'
        'client_secret = "recruit-dash-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    process = start_app(folder, port, {
        **os.environ, "RECRUIT_DASH_DB": str(folder / "history.duckdb"),
        "RECRUIT_DASH_PEOPLE": str(write_people(folder / "people.csv"))},
        "--secrets.files", str(secrets_file))
    wait_until_serving(process, url, 90)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def page(browser):
    """Yield a page of a browser context of its own: nobody is signed in at its start."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def sign_in(page, server: str, email: str) -> None:
    """Open the app signed out, press "Sign in" and sign in on the provider's form."""
    page.goto(server)
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("sample data").count() == 0  # nothing of the data before sign-in
    _idle(page)
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=sub]").wait_for(timeout=WAIT_MS)  # the provider's own page
    assert page.url.startswith(f"http://{LOOPBACK}:")
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()


def consultant_choices(page) -> list[str]:
    """Return the options of the Stalled & today page's Consultant list, as the browser shows
    them when it is opened."""
    page.get_by_text("Calls for").wait_for(timeout=WAIT_MS)
    _idle(page)
    page.locator("[data-testid=stSelectbox]").filter(has_text="Consultant").click()
    options = page.locator("[role=option]")
    options.first.wait_for(timeout=WAIT_MS)
    chosen = [text.strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return chosen


def named(page) -> set[str]:
    """Return the consultants named in the page's text."""
    text = page.locator("body").inner_text()
    return {name for name in CONSULTANTS if name in text}


def test_a_signed_out_visitor_sees_only_the_sign_in_page(server, page):
    page.goto(server)
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    page.get_by_text("Sign in with your work account").wait_for(timeout=WAIT_MS)
    assert page.locator("[data-testid=stMetric]").count() == 0
    assert page.get_by_role("link", name="Funnel").count() == 0
    assert named(page) == set()
    page.goto(f"{server}/funnel")  # a page's own address leads to the sign-in page, too
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    assert named(page) == set() and page.locator("[data-testid=stMetric]").count() == 0


def test_a_consultant_sees_only_their_own_leads_and_can_sign_out(server, page):
    sign_in(page, server, "emma@northgate.example")
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Consultant, North").wait_for(timeout=WAIT_MS)
    assert "Emma Lawson" in sidebar.inner_text()

    page.get_by_role("link", name="Funnel").click()
    page.get_by_text("Cohort funnel").first.wait_for(timeout=WAIT_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    _idle(page)
    assert named(page) == {"Emma Lawson"}  # her name in the sidebar and the compare list

    page.get_by_role("link", name="Stalled & today").click()
    assert consultant_choices(page) == ["Everyone", "Emma Lawson"]
    assert named(page) == {"Emma Lawson"}
    assert page.get_by_text("Traceback").count() == 0

    page.get_by_role("button", name="Sign out").click()
    end_session = page.get_by_role("button", name="End session")  # the provider's sign-out
    sign_in_button = page.get_by_role("button", name="Sign in")
    end_session.or_(sign_in_button).first.wait_for(timeout=WAIT_MS)
    if end_session.count():
        end_session.click()
    sign_in_button.wait_for(timeout=WAIT_MS)
    assert named(page) == set()
    page.goto(f"{server}/stalled_today")  # signed out for good, not only on this screen
    sign_in_button.wait_for(timeout=WAIT_MS)
    assert named(page) == set()


def test_the_owner_sees_every_consultant(server, page):
    sign_in(page, server, "owner@northgate.example")
    page.locator("[data-testid=stSidebar]").get_by_text("Owner").wait_for(timeout=WAIT_MS)
    page.get_by_role("link", name="Stalled & today").click()
    assert consultant_choices(page) == ["Everyone", *sorted(CONSULTANTS)]


def test_a_stranger_is_refused_in_a_sentence(server, page):
    sign_in(page, server, "stranger@elsewhere.example")
    page.get_by_text("is not in the agency's people sheet").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)
    assert page.get_by_role("link", name="Funnel").count() == 0
    assert named(page) == set()
    assert page.locator("[data-testid=stMetric]").count() == 0
