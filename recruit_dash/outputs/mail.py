"""Sending the Monday digest by email: one message with a plain-text and an HTML part, through
an SMTP server, and every failure said in one sentence that names the server and what to do.

- `smtp://host:port` (port 25 when none is given) speaks SMTP and switches to TLS (STARTTLS)
  whenever the server offers it; `smtps://host:port` (port 465) is TLS from the first byte.
  Certificates are checked against the machine's trusted authorities.
- The login comes from the environment (RECRUIT_DASH_SMTP_USER and RECRUIT_DASH_SMTP_PASSWORD),
  never from the command line, which other users of the machine can read. A password is sent
  only over an encrypted connection, or to a server on this machine.
- The sender is the one given, else RECRUIT_DASH_SMTP_FROM, else the login when it is an
  address, else recruit-dash at this machine's name.
- Every wait on the server is bounded (30 seconds unless told otherwise).
"""

from __future__ import annotations

import ipaddress
import os
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from recruit_dash.outputs.digest import Digest

USER_VARIABLE = "RECRUIT_DASH_SMTP_USER"
PASSWORD_VARIABLE = "RECRUIT_DASH_SMTP_PASSWORD"
SENDER_VARIABLE = "RECRUIT_DASH_SMTP_FROM"
TIMEOUT_SECONDS = 30.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
EXAMPLE = "smtp://mail.example.com:587 or smtps://mail.example.com:465"
# One address, as a server takes it in an envelope: no spaces, brackets, commas or line breaks.
ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+")


class MailError(Exception):
    """A digest that could not be sent, in one sentence naming the server and what to do."""


@dataclass(frozen=True)
class MailServer:
    """Where to send: the scheme (smtp or smtps), the host and the port."""

    scheme: str
    host: str
    port: int

    @property
    def name(self) -> str:
        """Return the server as people name it: host:port."""
        return f"{self.host}:{self.port}"


def mail_server(smtp_url: str) -> MailServer:
    """Return the server an `smtp://host:port` or `smtps://host:port` address names, refusing an
    address that holds a user name or password (they belong in the environment)."""
    try:
        parts = urlsplit(smtp_url.strip())
        port = parts.port
    except ValueError as error:
        raise MailError(f"The mail server address {smtp_url!r} has a port that is not a number "
                        f"from 1 to 65535; give it like {EXAMPLE}.") from error
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise MailError(f"The mail server address {smtp_url!r} is not one we can use; give it "
                        f"like {EXAMPLE}.")
    if parts.username is not None or parts.password is not None:
        raise MailError(f"Take the user name and password out of the mail server address and set "
                        f"{USER_VARIABLE} and {PASSWORD_VARIABLE} instead: a command line can be "
                        "read by other users of the machine.")
    scheme = parts.scheme.lower()
    return MailServer(scheme, parts.hostname, port or DEFAULT_PORTS[scheme])


def digest_message(digest: Digest, to: list[str], sender: str) -> EmailMessage:
    """Return the digest as one email: plain text first, then the HTML the reader's mail client
    shows instead when it can (multipart/alternative)."""
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("digest", domain=sender.rpartition("@")[2])
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def send_digest(digest: Digest, smtp_url: str, to: list[str], sender: str | None = None, *,
                timeout: float = TIMEOUT_SECONDS) -> None:
    """Send the digest to the addresses through the server; raise MailError, one sentence, when
    it could not be sent to every one of them."""
    server = mail_server(smtp_url)
    recipients = _addresses(to)
    login = _login()
    sender = _sender(sender, login)
    message = digest_message(digest, recipients, sender)
    try:
        refused = _send(server, message, sender, recipients, login, timeout)
    except MailError:
        raise
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise MailError(_failure(server, error, timeout)) from error
    if refused:
        sent = len(recipients) - len(refused)
        raise MailError(f"The mail server {server.name} sent the digest to {sent} of "
                        f"{len(recipients)} addresses but refused {_refusals(refused)}; check "
                        f"{'that address' if len(refused) == 1 else 'those addresses'}.")


def _send(server: MailServer, message: EmailMessage, sender: str, recipients: list[str],
          login: tuple[str, str] | None, timeout: float) -> dict:
    """Return the recipients the server refused, having sent the message to the others."""
    context = ssl.create_default_context()
    if server.scheme == "smtps":
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with connection as smtp:
        smtp.ehlo()
        encrypted = server.scheme == "smtps"
        if not encrypted and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            encrypted = True
        if login:
            if not encrypted and not _on_this_machine(smtp):
                raise MailError(f"The mail server {server.name} offers no encrypted connection, "
                                "so the password was not sent; use smtps:// or a server that "
                                "offers STARTTLS.")
            smtp.login(*login)
        return smtp.send_message(message, sender, recipients)


def _on_this_machine(smtp: smtplib.SMTP) -> bool:
    """Return whether the connection goes to this machine (a loopback address)."""
    return ipaddress.ip_address(smtp.sock.getpeername()[0].split("%")[0]).is_loopback


def _addresses(to: list[str]) -> list[str]:
    """Return the recipients, each checked to be one email address."""
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise MailError("No one to send the digest to; give an address with --to.")
    for address in recipients:
        if not ADDRESS.fullmatch(address):
            raise MailError(f"{address!r} is not an email address; give one like "
                            "lead@agency.co.uk.")
    return list(dict.fromkeys(recipients))


def _login() -> tuple[str, str] | None:
    """Return the login the environment gives, if any; both parts or neither."""
    user = os.environ.get(USER_VARIABLE, "")
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if bool(user) != bool(password):
        given, missing = ((USER_VARIABLE, PASSWORD_VARIABLE) if user
                          else (PASSWORD_VARIABLE, USER_VARIABLE))
        raise MailError(f"{given} is set but {missing} is not; set both to log in to the mail "
                        "server, or neither to send without a login.")
    return (user, password) if user else None


def _sender(sender: str | None, login: tuple[str, str] | None) -> str:
    """Return the sender's address: given, from the environment, the login, or this machine."""
    chosen = (sender or os.environ.get(SENDER_VARIABLE, "")).strip()
    if chosen:
        if not ADDRESS.fullmatch(chosen):
            raise MailError(f"The sender {chosen!r} is not an email address; set "
                            f"{SENDER_VARIABLE} to one like digest@agency.co.uk.")
        return chosen
    if login and ADDRESS.fullmatch(login[0]):
        return login[0]
    return f"recruit-dash@{socket.gethostname() or 'localhost'}"


def _failure(server: MailServer, error: Exception, timeout: float) -> str:
    """Return why a send failed, in one sentence naming the server and what to do."""
    where = f"the mail server {server.name}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (f"{where.capitalize()} refused the login ({_reply(error)}); check "
                f"{USER_VARIABLE} and {PASSWORD_VARIABLE}.")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (f"{where.capitalize()} does not accept a login; unset {USER_VARIABLE} and "
                f"{PASSWORD_VARIABLE}, or use the server your mail provider gives for sending.")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return (f"{where.capitalize()} refused {_refusals(error.recipients)}; check the address "
                "given with --to.")
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (f"{where.capitalize()} refused the sender {error.sender} ({_reply(error)}); set "
                f"{SENDER_VARIABLE} to an address the server sends for.")
    # smtplib says a read that timed out is a closed connection; it is a server that went quiet.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return (f"{where.capitalize()} did not answer within {timeout:g} seconds; check the "
                "address and port (use smtps:// for a port that speaks TLS from the start, "
                "usually 465), or try again later.")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return (f"{where.capitalize()} closed the connection before the digest was sent; check "
                "the port (STARTTLS servers usually listen on 587, smtps:// on 465) and try again.")
    if isinstance(error, smtplib.SMTPResponseException):
        return (f"{where.capitalize()} did not take the digest ({_reply(error)}); ask whoever "
                "runs the server, or try another.")
    if isinstance(error, ssl.SSLCertVerificationError):
        return (f"The certificate of {where} could not be trusted "
                f"({_words(error.verify_message or error.reason)}); check the host name, or ask "
                "whoever runs the server.")
    if isinstance(error, ssl.SSLError):
        return (f"Could not set up an encrypted connection with {where} "
                f"({_words(error.reason or error)}); check that smtps:// goes to a TLS port "
                "(usually 465) and smtp:// to a plain one (25 or 587).")
    if isinstance(error, ConnectionRefusedError):
        return (f"Could not connect to {where}: it refused the connection; check the address "
                "and port, and that the server is running.")
    if isinstance(error, socket.gaierror):
        return f"There is no mail server called {server.host}; check the address given with --smtp."
    return (f"Could not send the digest through {where} ({_words(error)}); check the address "
            "and the network, and try again.")


def _reply(error: smtplib.SMTPResponseException) -> str:
    """Return the server's reply to a failed command, as one line: its code and words."""
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) \
        else str(error.smtp_error)
    return f"{error.smtp_code} {_words(text)}".strip()


def _refusals(refused: dict) -> str:
    """Return the refused recipients with the server's replies: "a@b (550 no such user)"."""
    return ", ".join(f"{address} ({_reply(smtplib.SMTPResponseException(*reply))})"
                     for address, reply in refused.items())


def _words(error: object) -> str:
    """Return an error's text as a few words on one line, without a trailing full stop."""
    text = (getattr(error, "strerror", None) or str(error)) if isinstance(error, OSError) \
        else str(error)
    return " ".join(text.split()).rstrip(".") or "no reason given"
