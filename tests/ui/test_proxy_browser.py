"""The README's "Two app instances behind one proxy", in a real browser: a throwaway PostgreSQL
holding two weeks imported from the command line, a local OpenID provider, two app instances
with one secrets.toml, and nginx in front of them with the README's configuration over https (a
self-signed certificate made here). Everything listens on 127.0.0.1 only, at free ports, and is
stopped at the end whatever happened. A consultant and the owner sign in through the proxy and
see their own views of the history; then the instance serving the consultant's browser stops,
and her next page comes from the other one, still signed in. In CI (RECRUIT_DASH_REQUIRE_BROWSER=1
or CI=true) a missing browser, nginx or PostgreSQL is a failure, never a skip."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pg
import pytest
import test_browser
import test_signin_browser
from conftest import PINNED_TODAY, SAMPLE, SAMPLE_PREV
from test_browser import REQUIRED, ROOT, _free_port, _idle, start_app, wait_until_serving
from test_signin import CONSULTANTS, write_people
from test_signin_browser import WAIT_MS, consultant_choices, named, sign_in

LOOPBACK = "127.0.0.1"
NGINX_INSTALL = ("nginx is not installed: install Debian's nginx package (apt-get install nginx) "
                 "to run the test of two app instances behind one proxy.")
# The README's two imports: last week's tracker, then this week's.
WEEKS = ((SAMPLE_PREV, "2026-11-13"), (SAMPLE, "2026-11-20"))
browser = test_browser.browser  # the main journey's Chromium: in CI, no browser is a failure
provider = test_signin_browser.provider  # the local OpenID provider of the sign-in tests


def _required_or_skip(message: str) -> None:
    """Fail the test in CI, where everything it needs must be installed; skip it elsewhere."""
    if REQUIRED:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def nginx() -> str:
    """Return the nginx program (Debian puts it in /usr/sbin, not on every user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        _required_or_skip(NGINX_INSTALL)
    return found


def _stop(process: subprocess.Popen, seconds: float = 30) -> None:
    """Stop a process started by the test (and its group, when it had one of its own): politely
    first, then for good."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # each was started in a session of its own
        process.wait(timeout=seconds)


@pytest.fixture(scope="module")
def database():
    """Yield the URL of a database in a throwaway PostgreSQL cluster, holding the README's two
    imports made with the command line; stop the cluster afterwards."""
    programs = pg.binaries()
    if programs is None:
        _required_or_skip(pg.INSTALL)
    cluster = pg.Cluster(programs)
    try:
        url = cluster.database()
        for tracker, as_of in WEEKS:
            done = subprocess.run(
                [sys.executable, "-m", "recruit_dash", "import", str(tracker), "--db", url,
                 "--as-of", as_of],
                cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr or done.stdout
        yield url
    finally:
        cluster.close()


@dataclass
class Instances:
    """The app's instances: their ports and processes, in the same order."""

    ports: list[int]
    processes: list[subprocess.Popen]

    def stop(self, port: int) -> None:
        """Stop the instance on this port, as a deploy or a failing machine would."""
        _stop(self.processes[self.ports.index(port)])


@pytest.fixture(scope="module")
def proxy_port() -> int:
    """Return the port the proxy will listen on: the redirect URI names it before it starts."""
    return _free_port()


@pytest.fixture(scope="module")
def instances(nginx, database, provider, proxy_port, tmp_path_factory):
    """Start two instances of the app with the same configuration (one secrets.toml, so one
    cookie_secret; the same history and people sheet), and yield them; stop both afterwards.
    Without nginx nothing is started: the test stops (or is skipped) before."""
    folder = tmp_path_factory.mktemp("instances")
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "https://{LOOPBACK}:{proxy_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "recruit-dash-test"\n'
        'client_secret = "recruit-dash-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    environment = {**os.environ, "RECRUIT_DASH_DB": database,
                   "RECRUIT_DASH_PEOPLE": str(write_people(folder / "people.csv"))}
    started = Instances([], [])
    try:
        for _ in range(2):
            port = _free_port()
            while port in {proxy_port, *started.ports}:  # nothing listens on those yet
                port = _free_port()
            started.processes.append(
                start_app(folder, port, environment, "--secrets.files", str(secrets_file)))
            started.ports.append(port)
        for port, process in zip(started.ports, started.processes, strict=True):
            wait_until_serving(process, f"http://{LOOPBACK}:{port}", 90)
        yield started
    finally:
        for process in started.processes:
            _stop(process)


def write_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return their paths. The
    browser is told to accept it, so its dates come from the pinned day, not the clock."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    day = datetime.combine(date.fromisoformat(PINNED_TODAY), datetime.min.time(), UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(day - timedelta(days=1)).not_valid_after(day + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False)
        .sign(key, hashes.SHA256()))
    certificate_path, key_path = folder / "proxy.crt", folder / "proxy.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return certificate_path, key_path


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> str:
    """Return the README's nginx configuration for the proxy on this port in front of these
    instances, with every file nginx writes (pid, logs, temporary bodies) kept in the folder.
    The access log names the instance that answered each request."""
    certificate, key = write_certificate(folder)
    servers = "".join(f"        server {LOOPBACK}:{upstream};\n" for upstream in upstreams)
    temporary = "".join(f"    {kind}_temp_path {folder / 'temp' / kind};\n"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Workers of a root master run as "nobody", who cannot enter the test's own (0700) folders:
    # a response nginx buffers to a temporary file, as it does the plotly bundle, is cut short.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}"
        "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"{temporary}"
        "    log_format upstreams "
        "'$request_method|$request_uri|$status|$upstream_addr|$upstream_status';\n"
        f"    access_log {folder / 'access.log'} upstreams;\n"
        "    upstream recruit_dash {\n"
        "        ip_hash;\n"
        f"{servers}"
        "    }\n"
        "    map $http_upgrade $connection_upgrade {\n"
        "        default upgrade;\n"
        "        ''      close;\n"
        "    }\n"
        "    server {\n"
        f"        listen {LOOPBACK}:{port} ssl;\n"
        f"        server_name {LOOPBACK};\n"
        f"        ssl_certificate {certificate};\n"
        f"        ssl_certificate_key {key};\n"
        "        client_max_body_size 50m;\n"
        "        location / {\n"
        "            proxy_pass http://recruit_dash;\n"
        "            proxy_http_version 1.1;\n"
        "            proxy_set_header Upgrade $http_upgrade;\n"
        "            proxy_set_header Connection $connection_upgrade;\n"
        "            proxy_set_header Host $host;\n"
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "            proxy_set_header X-Forwarded-Proto $scheme;\n"
        "            proxy_read_timeout 86400;\n"
        "        }\n"
        "    }\n"
        "}\n")


@dataclass
class Proxy:
    """nginx in front of the instances: its address and its access log."""

    url: str
    access_log: Path

    def upstreams(self, path: str | None = None) -> list[int]:
        """Return the ports of the instances nginx tried, in order, for the latest request it
        passed on (for this path, when given): the last one answered it."""
        for line in reversed(self.access_log.read_text(encoding="utf-8").splitlines()):
            method, uri, _status, tried, _statuses = line.split("|")
            if tried != "-" and (path is None or (method, uri) == ("GET", path)):
                return [int(address.rsplit(":", 1)[1]) for address in tried.split(", ")]
        raise AssertionError(f"nginx logged no request for {path or 'an instance'}")


def wait_until_proxied(process: subprocess.Popen, url: str, error_log: Path,
                       seconds: float) -> None:
    """Wait until the app answers its health check through the proxy; fail the test, with
    nginx's own words, when it has not within the seconds given."""
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2,
                                        context=unverified) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    said = error_log.read_text(encoding="utf-8") if error_log.exists() else ""
    pytest.fail(f"nginx did not pass requests on within {seconds:g} s: {said}")


@pytest.fixture(scope="module")
def proxy(nginx, instances, proxy_port, tmp_path_factory):
    """Start nginx with a configuration, pid file, logs and temporary folders of the test's
    own, in front of both instances, and yield it; stop it afterwards."""
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "temp").mkdir()
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder, proxy_port, instances.ports), encoding="utf-8")
    url = f"https://{LOOPBACK}:{proxy_port}"
    # -e: nginx writes its start-up complaints here, not to the system's /var/log/nginx.
    with (folder / "nginx.out").open("wb") as out:
        process = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_proxied(process, url, folder / "error.log", 60)
        yield Proxy(url, folder / "access.log")
    finally:
        _stop(process)


@pytest.fixture
def context(browser):
    """Yield a browser context of its own (nobody signed in) that accepts the proxy's
    self-signed certificate; close it afterwards."""
    opened = browser.new_context(viewport={"width": 1400, "height": 1000},
                                 ignore_https_errors=True)
    try:
        yield opened
    finally:
        opened.close()


def test_the_owner_sees_every_consultant_through_the_proxy(proxy, context):
    page = context.new_page()
    sign_in(page, proxy.url, "owner@northgate.example")
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("history: 2 uploads").wait_for(timeout=WAIT_MS)
    sidebar.get_by_text("Owner").wait_for(timeout=WAIT_MS)
    page.get_by_role("link", name="Stalled & today").click()
    assert consultant_choices(page) == ["Everyone", *sorted(CONSULTANTS)]
    assert page.get_by_text("Traceback").count() == 0


def test_a_consultant_stays_signed_in_when_her_instance_stops(proxy, instances, context):
    page = context.new_page()
    sign_in(page, proxy.url, "emma@northgate.example")
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Consultant, North").wait_for(timeout=WAIT_MS)
    sidebar.get_by_text("history: 2 uploads").wait_for(timeout=WAIT_MS)  # the shared history
    page.locator("[data-testid=stMetric]").first.wait_for(timeout=WAIT_MS)
    _idle(page)
    assert page.get_by_text("sample data").count() == 0
    assert named(page) == {"Emma Lawson"}

    serving = proxy.upstreams()[-1]
    (other,) = set(instances.ports) - {serving}
    instances.stop(serving)

    page.goto(f"{proxy.url}/funnel")
    page.get_by_text("Cohort funnel").first.wait_for(timeout=WAIT_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    _idle(page)
    assert proxy.upstreams("/funnel")[-1] == other  # nginx passed the page on to the other one
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)  # still signed in
    assert "Emma Lawson" in sidebar.inner_text()
    assert page.get_by_text("Sign in with your work account").count() == 0
    assert sidebar.get_by_text("history: 2 uploads").count() == 1
    assert named(page) == {"Emma Lawson"}
    assert page.get_by_text("Traceback").count() == 0
