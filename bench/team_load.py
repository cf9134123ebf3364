"""The team load test: two app processes on one PostgreSQL history, 20 people browsing while two
scheduled jobs import, everything on this machine's loopback address.

A throwaway PostgreSQL cluster (tests/pg.py: Debian's binaries, a temporary folder, a free port)
gets a first upload; two Streamlit servers share it through RECRUIT_DASH_DB. Twenty headless
Chromium sessions (Playwright), split between the two servers, each open the app and go through
Overview, Funnel, Stalled & today and Consultants twice, waiting for each page to finish; at the
same moment two command-line imports of different weeks' trackers run, as a scheduled job would.
Checked: no page shows an error or a traceback, both imports land (the history then holds every
upload once and whole), and each import took its turn (advisory lock) rather than failing.
Reported: the page waits' median and 90th percentile, and the imports' seconds.

`python bench/team_load.py` prints JSON and exits non-zero when a check fails (`make bench` runs
it when PostgreSQL is installed).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pg  # noqa: E402  (the tests' throwaway cluster)
from load import wait_healthy  # noqa: E402
from results import record  # noqa: E402

CHROMIUM = Path(os.environ.get("RECRUIT_DASH_CHROMIUM", "/usr/bin/chromium"))
SESSIONS, SERVERS, ROUNDS = 20, 2, 2
PAGES = (("Overview", "Needs attention"), ("Funnel", "Funnel"),
         ("Stalled & today", "Stalled & today"), ("Consultants", "Consultants"))
FIRST = (ROOT / "sample_data" / "lead_tracker_prev_week.xlsx", "2026-11-13")
WEEK = (ROOT / "sample_data" / "lead_tracker.xlsx", "2026-11-20")
FAILURES = ("Traceback", "Something went wrong", "could not be read", "Error:")


def _cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args, "--db", db], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _server(port: int, db: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RECRUIT_DASH_DB": db})


async def _browse(browser, url: str) -> dict:
    """One person: every page twice, timing each wait until the page has finished drawing."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    waits, failures = [], []
    try:
        await page.goto(url)
        await page.get_by_role("heading", name="Overview").first.wait_for(timeout=180_000)
        for _ in range(ROUNDS):
            for link, heading in PAGES:
                started = time.monotonic()
                await page.get_by_role("link", name=link).click()
                await page.get_by_role("heading", name=heading).first.wait_for(timeout=180_000)
                await page.locator("[data-testid=stStatusWidget]").wait_for(state="detached",
                                                                             timeout=180_000)
                waits.append(time.monotonic() - started)
                text = await page.locator("[data-testid=stMain]").first.inner_text()
                failures += [f"{link}: {words}" for words in FAILURES if words in text]
    finally:
        await context.close()
    return {"waits": waits, "failures": failures}


async def _import(path: Path, as_of: str, db: str) -> dict:
    started = time.monotonic()
    done = await asyncio.to_thread(_cli, "import", str(path), "--as-of", as_of, "--json", db=db)
    result = json.loads(done.stdout)[0] if done.returncode == 0 else {"status": "failed"}
    return {"file": path.name, "seconds": round(time.monotonic() - started, 2),
            "status": result["status"], "stderr": done.stderr.strip()[-300:]}


async def _load(urls: list[str], db: str, weeks: list[tuple[Path, str]]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        people = [_browse(browser, urls[number % len(urls)]) for number in range(SESSIONS)]
        jobs = [_import(path, as_of, db) for path, as_of in weeks]
        results = await asyncio.gather(*people, *jobs)
        await browser.close()
    return {"people": results[:SESSIONS], "imports": results[SESSIONS:]}


def main() -> int:
    if not CHROMIUM.exists():
        print(f"no browser at {CHROMIUM}: install Debian's chromium package", file=sys.stderr)
        return 1
    binaries = pg.binaries()
    if binaries is None:
        print(pg.INSTALL, file=sys.stderr)
        return 1
    cluster = pg.Cluster(binaries)
    servers: list[subprocess.Popen] = []
    try:
        db = cluster.database()
        first = _cli("import", str(FIRST[0]), "--as-of", FIRST[1], db=db)
        assert first.returncode == 0, first.stderr
        # The second job imports the same tracker as a later week (new bytes, a later as-of).
        later = Path(cluster.folder) / "lead_tracker_next_week.xlsx"
        later.write_bytes(WEEK[0].read_bytes() + b"\0")
        weeks = [WEEK, (later, "2026-11-27")]
        ports = [pg.free_port() for _ in range(SERVERS)]
        servers = [_server(port, db) for port in ports]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_healthy(url)
        started = time.monotonic()
        found = asyncio.run(_load(urls, db, weeks))
        seconds = round(time.monotonic() - started, 1)
        listed = json.loads(_cli("uploads", "--json", db=db).stdout)["uploads"]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        cluster.close()
    waits = sorted(wait for person in found["people"] for wait in person["waits"])
    failures = [failure for person in found["people"] for failure in person["failures"]]
    report = {
        "servers": SERVERS, "sessions": SESSIONS, "page_visits": len(waits), "seconds": seconds,
        "page_wait_median_s": round(statistics.median(waits), 2) if waits else None,
        "page_wait_p90_s": round(waits[int(0.9 * (len(waits) - 1))], 2) if waits else None,
        "imports": found["imports"], "uploads_in_history": len(listed),
        "failures": failures,
    }
    report["ok"] = bool(not failures and len(waits) == SESSIONS * ROUNDS * len(PAGES)
                        and all(job["status"] == "imported" for job in found["imports"])
                        and len(listed) == 1 + len(weeks))
    print(json.dumps(report, indent=2))
    record(team_load={key: report[key] for key in ("sessions", "page_visits", "page_wait_median_s",
                                                   "page_wait_p90_s", "ok")}
           | {"import_s": [job["seconds"] for job in report["imports"]]})
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
