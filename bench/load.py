"""The load test: six people upload at once to one running app, over and over.

A real server (`streamlit run app.py` on loopback) and six browser sessions (headless Chromium,
Playwright) upload six different files at the same moment — the 50,000-lead workbook, the sample
tracker and its previous week, and three shared-corpus files — and each waits until the Data page
has read its file. Each round's bytes are new (a few trailing zero bytes the readers ignore), so
every round parses every file again. Checked after every round: every valid file was read (no
"damaged", no time-limit refusal), each session's deferred download of a table (Stalled &
today) arrives while the others are busy, nothing of ours is left in /dev/shm. The server's resident
memory is measured after the first round (the caches holding these files' shape are warm) and
after the last, sessions closed and past their time to live (5 s here, 120 s by default): the
end must be within 20% of that start. (Memory freed by Python and Arrow is reused rather than
given back, so the start is taken once these files have been read once, not before.)

`python bench/load.py` prints JSON and exits non-zero when a check fails (`make bench` runs it).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import run as benchmark  # noqa: E402  (the benchmark's workbook, built once and cached)
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

CHROMIUM = Path(os.environ.get("RECRUIT_DASH_CHROMIUM", "/usr/bin/chromium"))
CORPUS = ROOT.parent / "shared" / "corpus"
ROUNDS = int(os.environ.get("RECRUIT_DASH_LOAD_ROUNDS", "2"))
SESSIONS = 6
SESSION_TTL = 5
REFUSALS = ("damaged", "seconds of work", "could not be read in time", "more memory")


def files() -> list[Path]:
    """Return the six files the sessions upload."""
    chosen = [benchmark.build_workbook(), ROOT / "sample_data" / "lead_tracker.xlsx",
              ROOT / "sample_data" / "lead_tracker_prev_week.xlsx"]
    for name in ("agency_relational_tracker.xlsx", "staffing_interview_tracker.xlsx",
                 "hiring_stage_event_log.csv"):
        if (CORPUS / name).exists():
            chosen.append(CORPUS / name)
    while len(chosen) < SESSIONS:
        chosen.append(ROOT / "sample_data" / "lead_tracker.xlsx")
    return chosen[:SESSIONS]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _ours_in_shared_memory() -> list[str]:
    folder = Path("/dev/shm")
    return sorted(path.name for path in folder.iterdir() if "recruit" in path.name) \
        if folder.is_dir() else []


async def _upload(browser, url: str, path: Path, copy: Path) -> dict:
    """Upload one file in a fresh session and wait until the Data page has read it."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000},
                                        accept_downloads=True)
    page = await context.new_page()
    started = time.monotonic()
    try:
        await page.goto(f"{url}/data")
        await page.get_by_text("What we understood").wait_for(timeout=120_000)
        await page.locator("input[type=file]").first.set_input_files(str(copy))
        # Read: the sample banner goes and the Data page lists the upload's sheets by role.
        await page.get_by_text("You are looking at").wait_for(state="detached", timeout=300_000)
        await page.locator("[data-testid=stStatusWidget]").wait_for(state="detached",
                                                                     timeout=300_000)
        text = await page.locator("section.main, [data-testid=stMain]").first.inner_text()
        refused = [words for words in REFUSALS if words in text]
        seconds = round(time.monotonic() - started, 1)
        return {"file": path.name, "seconds": seconds,
                "read": not refused and "Traceback" not in text, "refusal": refused,
                "download": await _download(page)}
    finally:
        await context.close()


async def _download(page) -> str:
    """Download the first table offered on the Stalled & today page (a deferred download, built
    when clicked) while the other sessions are busy, and return "ok", "none offered" or why not."""
    await page.get_by_role("link", name="Stalled & today").click()
    await page.get_by_role("heading", name="Stalled & today").wait_for(timeout=120_000)
    for _ in range(3):  # a click while the page is still drawing lands on a button being replaced
        await page.wait_for_timeout(1000)
        await page.locator("[data-testid=stStatusWidget]").wait_for(state="detached",
                                                                     timeout=300_000)
        buttons = page.get_by_role("button", name="Download CSV")
        if not await buttons.count():
            continue
        try:
            async with page.expect_download(timeout=120_000) as event:
                await buttons.first.click(timeout=10_000)
        except PlaywrightTimeout:
            continue
        download = await event.value
        failure = await download.failure()
        if failure:
            return f"failed: {failure}"
        saved = Path(await download.path())
        return "ok" if saved.stat().st_size > 0 else "empty file"
    return "none offered" if not await page.get_by_role("button", name="Download CSV").count() \
        else "failed: the download never started"


async def _round(browser, url: str, number: int, folder: Path) -> list[dict]:
    copies = []
    for path in files():
        copy = folder / f"round{number}_{path.name}"
        copy.write_bytes(path.read_bytes() + b"\0" * number)  # new bytes: parsed again
        copies.append((path, copy))
    return await asyncio.gather(*(_upload(browser, url, path, copy) for path, copy in copies))


async def _load(url: str, server_pid: int) -> dict:
    from playwright.async_api import async_playwright

    report: dict = {"sessions": SESSIONS, "rounds": []}
    with tempfile.TemporaryDirectory() as folder:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for number in range(1, ROUNDS + 1):
                results = await _round(browser, url, number, Path(folder))
                await asyncio.sleep(SESSION_TTL + 15)  # sessions closed and past their TTL
                report["rounds"].append({"results": results, "server_rss_mb": round(
                    _rss_mb(server_pid)), "left_in_shared_memory": _ours_in_shared_memory()})
            await browser.close()
    first, last = report["rounds"][0]["server_rss_mb"], report["rounds"][-1]["server_rss_mb"]
    report["memory_end_over_start"] = round(last / first, 2) if first else None
    report["every_file_read"] = all(result["read"] for one in report["rounds"]
                                    for result in one["results"])
    report["nothing_left"] = not any(one["left_in_shared_memory"] for one in report["rounds"])
    downloads = [result["download"] for one in report["rounds"] for result in one["results"]]
    report["downloads_ok"] = sum(found == "ok" for found in downloads)
    report["downloads_failed"] = [found for found in downloads if found.startswith(("failed", "empty"))]
    report["ok"] = bool(report["every_file_read"] and report["nothing_left"]
                        and not report["downloads_failed"] and report["downloads_ok"]
                        and report["memory_end_over_start"] is not None
                        and report["memory_end_over_start"] <= 1.2)
    return report


def wait_healthy(url: str, seconds: float = 90) -> None:
    """Wait until the app at the url answers its health check; raise when it has not in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app at {url} did not start within {seconds:g} s")


def main() -> int:
    if not CHROMIUM.exists():
        print(f"no browser at {CHROMIUM}: install Debian's chromium package", file=sys.stderr)
        return 1
    port = _free_port()
    with tempfile.TemporaryDirectory() as history:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.maxUploadSize", "200",
             # A closed session's data is let go this long after it disconnects (default 120 s).
             "--server.disconnectedSessionTTL", str(SESSION_TTL)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "RECRUIT_DASH_DB": str(Path(history) / "h.duckdb")})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url)
            report = asyncio.run(_load(url, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
