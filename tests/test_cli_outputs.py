"""The packs and the digest from the command line, as a scheduled job runs them: the quarterly
review pack as PDF and workbook, the Monday digest as HTML and text, and the digest sent through
a mail server (one started here, on the loopback address)."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
from email import policy

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from conftest import ROOT, SAMPLE, SAMPLE_PREV
from pypdf import PdfReader

AS_OF = "2026-11-23"  # the Monday after the sample's last upload


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_quarterly_review_pack_as_pdf_and_as_a_workbook_of_values(tmp_path):
    pdf, workbook = tmp_path / "review.pdf", tmp_path / "review.xlsx"
    for target in (pdf, workbook):
        done = run("pack", "quarterly", str(SAMPLE), "--as-of", AS_OF, "-o", str(target))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"Wrote {target}"
    pages = PdfReader(pdf).pages
    assert len(pages) >= 5
    text = " ".join(page.extract_text() for page in pages)
    for part in ("glance", "ohort", "onsultant", "lient", "talled", "orecast"):
        assert part in text, part
    book = openpyxl.load_workbook(workbook)
    assert len(book.sheetnames) >= 4
    formulas = [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert not formulas


def test_the_digest_of_two_weeks_says_what_moved_who_is_stalled_and_whom_to_call(tmp_path):
    html, text = tmp_path / "digest.html", tmp_path / "digest.txt"
    for target in (html, text):
        done = run("digest", str(SAMPLE_PREV), str(SAMPLE), "--as-of", AS_OF, "-o", str(target))
        assert done.returncode == 0, done.stderr
    page = html.read_text(encoding="utf-8")
    plain = text.read_text(encoding="utf-8")
    assert "<script" not in page.lower() and 'style="' in page
    for heading in ("SINCE LAST UPLOAD", "STALLED LEADS", "CALLS"):
        assert heading in plain, heading
    assert "13 Nov 2026 to 20 Nov 2026" in plain  # the previous week's file against this week's
    assert "New leads:" in plain and "NG-" in plain


def test_the_digest_of_one_file_says_there_is_nothing_to_compare_yet():
    done = run("digest", str(SAMPLE), "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert "SINCE LAST UPLOAD" in done.stdout and "STALLED LEADS" in done.stdout


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_the_digest_is_sent_to_the_team_lead_through_the_mail_server(mail_server):
    inbox, port = mail_server
    done = run("digest", str(SAMPLE_PREV), str(SAMPLE), "--as-of", AS_OF, "--smtp",
               f"smtp://127.0.0.1:{port}", "--to", "lead@northgate.example", "--team-lead",
               "Priya Shah", "--sender", "dash@northgate.example")
    assert done.returncode == 0, done.stderr
    envelope, = inbox.received
    assert envelope.rcpt_tos == ["lead@northgate.example"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["Subject"].startswith("Monday digest for Priya Shah")
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain",
                                                                          "text/html"}
    assert "Sent" in done.stdout and "lead@northgate.example" in done.stdout


def test_with_a_people_sheet_each_team_lead_and_consultant_gets_their_own_digest(mail_server,
                                                                                 tmp_path):
    from test_people import ROWS, SEES, write_sheet

    inbox, port = mail_server
    sheet = write_sheet(tmp_path / "people.csv", ROWS)
    done = run("digest", str(SAMPLE_PREV), str(SAMPLE), "--as-of", AS_OF, "--people", str(sheet),
               "--smtp", f"smtp://127.0.0.1:{port}", "--sender", "dash@northgate.example")
    assert done.returncode == 0, done.stderr
    readers = {row[0] for row in ROWS if row[2].lower() not in ("owner", "manager")}
    received = {envelope.rcpt_tos[0]: envelope for envelope in inbox.received}
    assert set(received) == readers and len(inbox.received) == len(readers)
    everyone = set().union(*SEES.values())
    for address, envelope in received.items():
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        text = message.get_body(("plain",)).get_content()
        assert not [name for name in everyone - SEES[address] if name in text], address
