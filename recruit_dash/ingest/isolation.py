"""Parsing untrusted files in a child process with a memory and a time limit.

A hostile or broken workbook can abort the whole process inside the Rust reader (no `except`
catches that) or eat all memory. In the app every user shares one process, so each file is parsed
in a child; whatever happens there becomes a sentence for the user, and the app goes on serving.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import pandas as pd
import pyarrow

from recruit_dash.errors import WorkbookError
from recruit_dash.ingest.locate import RawSheet, SheetTraps
from recruit_dash.ingest.pipeline import ingest_file, read_sheets
from recruit_dash.ingest.profiles import Profile
from recruit_dash.ingest.results import FileReport
from recruit_dash.ingest.safety import check_before_parsing

PARSE_SECONDS = float(os.environ.get("RECRUIT_DASH_PARSE_SECONDS", "25"))
# Address space the child may add to what it starts with (its modules are already loaded).
PARSE_MEMORY_MB = int(os.environ.get("RECRUIT_DASH_PARSE_MEMORY_MB", "2048"))

log = logging.getLogger(__name__)
_context_lock = threading.Lock()


def too_much_memory(name: str) -> str:
    """Return the message for a file whose parsing ran out of memory."""
    return (f"'{name}' asks for more memory than a lead tracker needs — it may be damaged. Open "
            "it in Excel and save a copy, then upload that.")


def ingest_file_isolated(name: str, data: bytes, *, seconds: float | None = None,
                         memory_mb: int | None = None, profile: Profile | None = None,
                         ) -> tuple[FileReport, dict[str, pd.DataFrame]]:
    """Return one file's report and frames, parsed in a child process within the limits, each
    sheet of a shape the mapping profile knows read as it says."""
    outcome = _isolated(name, data, seconds, memory_mb, ingest_file, profile)
    return outcome if isinstance(outcome, tuple) else (outcome, {})


def read_sheets_isolated(name: str, data: bytes, *, seconds: float | None = None,
                         memory_mb: int | None = None,
                         ) -> tuple[list[RawSheet], dict[str, SheetTraps]] | FileReport:
    """Return a file's sheets as read and their traps, parsed in a child process within the
    limits, or the report of a file that could not be read."""
    return _isolated(name, data, seconds, memory_mb, read_sheets)


def _isolated(name: str, data: bytes, seconds: float | None, memory_mb: int | None,
              work: Callable, *arguments) -> object:
    """Return what `work(name, data, *arguments)` gives, run in a child process within the
    limits, or a FileReport saying in words why the file could not be read."""
    seconds = PARSE_SECONDS if seconds is None else seconds
    memory_mb = PARSE_MEMORY_MB if memory_mb is None else memory_mb
    try:
        check_before_parsing(name, data)
    except WorkbookError as error:
        return FileReport(name, False, str(error))
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(name, data, sender, memory_mb, work, *arguments),
                            daemon=True)
    started = time.monotonic()
    child.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            outcome, payload = receiver.recv()
            if outcome == "ok":
                payload = _collect(payload)
        else:
            outcome, payload = "timeout", None
    except (EOFError, OSError, pickle.UnpicklingError):
        outcome, payload = "died", None
    finally:
        receiver.close()
        if child.is_alive() and outcome == "timeout":
            child.kill()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome == "ok":
        return payload
    if outcome == "crash":
        log.error("parsing a file failed in the child:\n%s", payload)
    log.info("parsing a file ended with %s (exit code %s) after %.1f s", outcome,
                child.exitcode, time.monotonic() - started)
    message = _message(Path(name).name, outcome, payload, child.exitcode, seconds)
    return FileReport(name, False, message)


def _message(name: str, outcome: str, payload: object, exitcode: int | None, seconds: float) -> str:
    """Return the sentence for a child that did not bring back a result."""
    if outcome == "error":
        return str(payload)
    if outcome == "timeout":
        return (f"'{name}' took more than {seconds:.0f} seconds to read, far longer than a lead "
                "tracker needs; it may be damaged or much larger than it looks. Open it in Excel, "
                "delete unused rows and columns, save a copy and upload that.")
    # A Rust allocation failure aborts (SIGABRT); the kernel's OOM killer sends SIGKILL.
    if outcome == "memory" or exitcode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
        return too_much_memory(name)
    return (f"'{name}' stopped our reader part-way: the file is probably damaged. Open it in "
            "Excel, save a copy and upload that.")


def _context() -> multiprocessing.context.BaseContext:
    """Return how to start children: a fork where no other thread runs, else a forkserver.

    Forking a process with several threads (the Streamlit server) can copy a lock held by another
    thread; the forkserver forks from a clean single-threaded process with the core preloaded.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    with _context_lock:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["recruit_dash.ingest.pipeline"])
        return context


def _address_space() -> int:
    """Return this process's current virtual size in bytes (a forked child inherits its parent's)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(name: str, data: bytes, sender: Connection, memory_mb: int, work: Callable,
           *arguments) -> None:
    """Parse in the child: limit memory, then send back ("ok", result) or a typed failure."""
    # Arrow's own allocator keeps freed memory mapped; the system one hands it back for reuse,
    # so the budget measures what the parse needs, not what the allocator hoards.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # A native reader that aborts prints its own backtrace; the user gets our sentence instead.
    faulthandler.disable()  # a test runner's crash dump would be inherited from the parent
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        result = ("ok", work(name, data, *arguments))
    except MemoryError:
        result = ("memory", None)
    except WorkbookError as error:
        result = ("error", str(error))
    except Exception:  # a bug of ours: the parent logs the traceback, the user gets a sentence
        result = ("crash", traceback.format_exc())
    try:
        if result[0] == "ok":
            result = ("ok", _hand_over(result[1]))
        sender.send(result)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()


def _hand_over(result: object) -> str:
    """Write a result to a private file in memory-backed storage and return its path.

    Tens of megabytes of frames move faster through a file in /dev/shm than through a pipe.
    """
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    handle, path = tempfile.mkstemp(prefix="recruit-dash-", suffix=".pickle", dir=folder)
    with os.fdopen(handle, "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _collect(path: str) -> object:
    """Return the result a child handed over, and remove its file."""
    try:
        with open(path, "rb") as file:
            return pickle.load(file)
    finally:
        os.unlink(path)
