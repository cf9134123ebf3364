"""Sending the digest: through an SMTP server the test starts on 127.0.0.1, read back as it
arrived (subject, recipients, the text and HTML parts); and every failure (refused connection,
silence, a refused login or recipient, a bad address) is one sentence naming what to do."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from recruit_dash.outputs.digest import Digest
from recruit_dash.outputs.mail import (
    PASSWORD_VARIABLE,
    SENDER_VARIABLE,
    USER_VARIABLE,
    MailError,
    mail_server,
    send_digest,
)

LOOPBACK = "127.0.0.1"
# A table row on one line longer than SMTP's 998 characters, as a digest's lists are.
DIGEST = Digest(
    subject="Monday digest for Zoë Brontë — 23 Nov 2026: 3 stalled, 4 calls today",
    html="<!DOCTYPE html><html><body><table>" + "<tr><td>NG-0001 · Zoë Brontë &lt;script&gt;"
         "</td></tr>" * 40 + "</table></body></html>",
    text="Monday digest for Zoë Brontë\nNG-0001 · Zoë Brontë <script>\n")
TEAM_LEAD = "lead@northgate.example"


class Inbox:
    """An SMTP server's handler that keeps what it receives and refuses some recipients."""

    def __init__(self, unknown: tuple[str, ...] = ()):
        self.unknown = unknown
        self.received: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope, session.authenticated))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def accept_only(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        # Not "handled": the server answers a wrong password with its own 535 reply.
        return AuthResult(success=(auth_data.login, auth_data.password)
                          == (user.encode(), password.encode()), handled=False)
    return authenticator


@pytest.fixture
def serve():
    """Start SMTP servers on the loopback address for a test, and stop them after it."""
    running = []

    def start(inbox: Inbox, **options) -> int:
        port = free_port()
        controller = Controller(inbox, hostname=LOOPBACK, port=port, ready_timeout=10, **options)
        controller.start()
        running.append(controller)
        return port

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture(autouse=True)
def no_login(monkeypatch):
    for variable in (USER_VARIABLE, PASSWORD_VARIABLE, SENDER_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


def read_back(inbox: Inbox) -> email.message.EmailMessage:
    (envelope, _), = inbox.received
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_the_digest_arrives_with_its_subject_recipient_and_both_parts(serve):
    inbox = Inbox()
    port = serve(inbox)
    send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], "digest@northgate.example",
                timeout=10)
    message = read_back(inbox)
    envelope = inbox.received[0][0]
    assert envelope.rcpt_tos == [TEAM_LEAD] and envelope.mail_from == "digest@northgate.example"
    assert message["Subject"] == DIGEST.subject and message["To"] == TEAM_LEAD
    assert message.get_content_type() == "multipart/alternative"
    text, page = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == DIGEST.text
    assert page.get_content_type() == "text/html" and page.get_content().strip() == DIGEST.html


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_the_login_comes_from_the_environment(serve, monkeypatch):
    inbox = Inbox()
    port = serve(inbox, authenticator=accept_only("digest", "s3cret"), auth_require_tls=False,
                 auth_required=True)
    monkeypatch.setenv(USER_VARIABLE, "digest")
    monkeypatch.setenv(PASSWORD_VARIABLE, "s3cret")
    send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=10)
    assert inbox.received[0][1] is True


def test_a_refused_connection_is_one_sentence_naming_the_server():
    with socket.socket() as unused:  # bound, never listening: the port refuses connections
        unused.bind((LOOPBACK, 0))
        port = unused.getsockname()[1]
        with pytest.raises(MailError) as refused:
            send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=5)
    assert str(refused.value) == (
        f"Could not connect to the mail server {LOOPBACK}:{port}: it refused the connection; "
        "check the address and port, and that the server is running.")


def test_a_server_that_never_answers_is_given_up_on_in_time():
    with socket.socket() as silent:  # it takes the connection and never says a word
        silent.bind((LOOPBACK, 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(MailError, match=r"did not answer within 0\.5 seconds; check"):
            send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_refused_login_names_the_variables_to_check(serve, monkeypatch):
    port = serve(Inbox(), authenticator=accept_only("digest", "s3cret"), auth_require_tls=False)
    monkeypatch.setenv(USER_VARIABLE, "digest")
    monkeypatch.setenv(PASSWORD_VARIABLE, "wrong")
    with pytest.raises(MailError) as refused:
        send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=10)
    assert str(refused.value).startswith(f"The mail server {LOOPBACK}:{port} refused the login (535")
    assert str(refused.value).endswith(f"check {USER_VARIABLE} and {PASSWORD_VARIABLE}.")


def test_a_refused_recipient_is_named_and_the_others_still_get_it(serve):
    inbox = Inbox(unknown=("gone@northgate.example",))
    port = serve(inbox)
    with pytest.raises(MailError) as alone:
        send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", ["gone@northgate.example"], timeout=10)
    assert "refused gone@northgate.example (550 5.1.1 No such user here)" in str(alone.value)
    with pytest.raises(MailError) as partly:
        send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD, "gone@northgate.example"],
                    timeout=10)
    assert str(partly.value).startswith(f"The mail server {LOOPBACK}:{port} sent the digest to 1 "
                                        "of 2 addresses but refused gone@northgate.example")
    assert read_back(inbox)["To"] == f"{TEAM_LEAD}, gone@northgate.example"


@pytest.mark.parametrize(("smtp_url", "to", "words"), [
    ("http://mail.example.com", [TEAM_LEAD], "is not one we can use; give it like smtp://"),
    ("smtp://digest:s3cret@mail.example.com:587", [TEAM_LEAD],
     f"Take the user name and password out of the mail server address and set {USER_VARIABLE}"),
    ("smtp://mail.example.com:99999", [TEAM_LEAD], "has a port that is not a number"),
    ("smtp://mail.example.com:587", [], "No one to send the digest to; give an address with --to."),
    ("smtp://mail.example.com:587", ["lead@agency.example\r\nBcc: all@agency.example"],
     "is not an email address"),
])
def test_a_bad_address_is_refused_before_anything_is_sent(smtp_url, to, words):
    with pytest.raises(MailError) as refused:
        send_digest(DIGEST, smtp_url, to, timeout=1)
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_half_a_login_is_refused_before_anything_is_sent(monkeypatch):
    monkeypatch.setenv(USER_VARIABLE, "digest")
    with pytest.raises(MailError) as refused:
        send_digest(DIGEST, "smtp://mail.example.com:587", [TEAM_LEAD], timeout=1)
    assert str(refused.value).startswith(f"{USER_VARIABLE} is set but {PASSWORD_VARIABLE} is not")


def test_the_ports_default_to_the_schemes_own():
    assert mail_server("smtp://mail.example.com").port == 25
    assert mail_server("SMTPS://mail.example.com/").port == 465


@pytest.fixture
def trusted_certificate(tmp_path, monkeypatch) -> ssl.SSLContext:
    """Return a server context with a certificate for 127.0.0.1 that this test's clients trust
    (through SSL_CERT_FILE, as the machine's own authorities would be)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", certificate, "-days", "2", "-subj", f"/CN={LOOPBACK}",
                    "-addext", f"subjectAltName=IP:{LOOPBACK}"],
                   check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context


def test_a_server_offering_starttls_gets_the_password_only_encrypted(serve, monkeypatch,
                                                                     trusted_certificate):
    inbox = Inbox()
    port = serve(inbox, tls_context=trusted_certificate, require_starttls=True,
                 authenticator=accept_only("digest", "s3cret"), auth_required=True)
    monkeypatch.setenv(USER_VARIABLE, "digest")
    monkeypatch.setenv(PASSWORD_VARIABLE, "s3cret")
    send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=10)
    assert inbox.received[0][1] is True and read_back(inbox)["Subject"] == DIGEST.subject


def test_smtps_speaks_tls_from_the_first_byte(serve, trusted_certificate):
    inbox = Inbox()
    port = serve(inbox, ssl_context=trusted_certificate)
    send_digest(DIGEST, f"smtps://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=10)
    assert read_back(inbox)["To"] == TEAM_LEAD
    with pytest.raises(MailError, match=r"did not answer within 1 seconds; check the address and "
                                        r"port \(use smtps:// for a port that speaks TLS"):
        send_digest(DIGEST, f"smtp://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=1)


def test_smtps_to_a_plain_server_says_the_connection_could_not_be_encrypted(serve):
    port = serve(Inbox())
    with pytest.raises(MailError, match=r"^Could not set up an encrypted connection with the mail "
                                        rf"server {LOOPBACK}:{port} \(.*\); check that smtps://"):
        send_digest(DIGEST, f"smtps://{LOOPBACK}:{port}", [TEAM_LEAD], timeout=5)
