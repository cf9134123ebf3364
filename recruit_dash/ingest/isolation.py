"""Parsing untrusted files in a child process with a memory and a time limit.

A hostile or broken workbook can abort the whole process inside the Rust reader (no `except`
catches that) or eat all memory. In the app every user shares one process, so each file is parsed
in a child; whatever happens there becomes a sentence for the user, and the app goes on serving.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import math
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
from multiprocessing import reduction
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

# The child's budget is its own CPU time: a valid file is never refused because the machine was
# busy with other people's uploads. The wall clock only stops a child that is stuck or starved.
PARSE_SECONDS = float(os.environ.get("RECRUIT_DASH_PARSE_SECONDS", "25"))
PARSE_WALL_SECONDS = float(os.environ.get("RECRUIT_DASH_PARSE_WALL_SECONDS", "0")) or None
# Address space the child may add to what it starts with (its modules are already loaded).
PARSE_MEMORY_MB = int(os.environ.get("RECRUIT_DASH_PARSE_MEMORY_MB", "2048"))
# Files read at once; the others wait their turn (each read can take hundreds of megabytes).
PARALLEL_PARSES = int(os.environ.get("RECRUIT_DASH_PARALLEL_PARSES", "0")) or max(2, os.cpu_count() or 2)
POLL_SECONDS = 0.05

log = logging.getLogger(__name__)
_context_lock = threading.Lock()
_slots = threading.BoundedSemaphore(PARALLEL_PARSES)
_queue_lock = threading.Lock()
_queued = 0  # files waiting for a slot
_reading = 0  # files being read


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
    with _turn():
        outcome, payload, exitcode, spent = _run_child(name, data, seconds, memory_mb, work,
                                                       arguments)
    if outcome == "ok":
        return payload
    if outcome == "crash":
        log.error("parsing a file failed in the child:\n%s", payload)
    log.info("parsing a file ended with %s (exit code %s) after %.1f s", outcome, exitcode, spent)
    message = _message(Path(name).name, outcome, payload, exitcode, seconds)
    # A limit met (time, memory, a child killed) may be the machine's state, not the file's: the
    # refusal is marked so that it is never kept, and the next upload is read again.
    return FileReport(name, False, message, limited=outcome in LIMITS or exitcode in KILLED)


LIMITS = frozenset({"timeout", "stuck", "memory"})
# A Rust allocation failure aborts (SIGABRT); the kernel's OOM killer sends SIGKILL; the CPU
# limit's backstop sends SIGXCPU.
KILLED = frozenset({-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGXCPU})


def waiting() -> tuple[int, int]:
    """Return (files waiting for their turn, files being read) in this process, for the page to
    say that an upload is queued rather than stuck."""
    with _queue_lock:
        return _queued, _reading


@contextlib.contextmanager
def _turn():
    """Wait for one of the reading slots, counted as queued while waiting."""
    global _queued, _reading
    with _queue_lock:
        _queued += 1
    try:
        _slots.acquire()
    finally:
        with _queue_lock:
            _queued -= 1
    with _queue_lock:
        _reading += 1
    try:
        yield
    finally:
        with _queue_lock:
            _reading -= 1
        _slots.release()


def _run_child(name: str, data: bytes, seconds: float, memory_mb: int, work: Callable,
               arguments: tuple) -> tuple[str, object, int | None, float]:
    """Run the work in a child and return (outcome, payload, exit code, wall seconds).

    The result comes back through an anonymous in-memory file (memfd) the parent made and the
    child inherited: it has no name, so nothing is left behind whoever dies and whenever.
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    handover = _anonymous_file()
    child = context.Process(target=_child, args=(name, data, sender, memory_mb, seconds,
                                                 _SharedFile(handover.fileno()), work, *arguments),
                            daemon=True)
    started = time.monotonic()
    wall = PARSE_WALL_SECONDS or max(120.0, 6 * seconds)
    outcome, payload = "stuck", None
    try:
        child.start()
        sender.close()
        while True:
            if receiver.poll(POLL_SECONDS):
                outcome, payload = receiver.recv()
                # A read that needed more work than its budget is refused, even when it ended
                # between two looks at the clock (or the child is already gone): the child
                # reports its own CPU time, so the limit does not depend on the polling.
                if outcome == "ok" and max(payload, _cpu_seconds(child.pid)) > seconds:
                    outcome, payload = "timeout", None
                elif outcome == "ok":
                    payload = _collect(handover)
                break
            if _cpu_seconds(child.pid) > seconds:
                outcome = "timeout"
                break
            if time.monotonic() - started > wall or not child.is_alive() and not receiver.poll(0):
                outcome = "stuck" if child.is_alive() else "died"
                break
    except (EOFError, OSError, pickle.UnpicklingError):
        outcome, payload = "died", None
    finally:
        receiver.close()
        handover.close()
        if child.is_alive() and outcome in LIMITS:
            child.kill()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    return outcome, payload, child.exitcode, time.monotonic() - started


def _message(name: str, outcome: str, payload: object, exitcode: int | None, seconds: float) -> str:
    """Return the sentence for a child that did not bring back a result."""
    if outcome == "error":
        return str(payload)
    if outcome == "timeout" or exitcode == -signal.SIGXCPU:
        return (f"'{name}' needed more than {seconds:.0f} seconds of work to read, far longer than "
                "a lead tracker needs; it may be damaged or much larger than it looks. Open it in "
                "Excel, delete unused rows and columns, save a copy and upload that.")
    if outcome == "stuck":
        return (f"'{name}' could not be read in time: the server is very busy or the reader "
                "stopped responding. Please upload it again in a minute.")
    if outcome == "memory" or exitcode in KILLED:
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


def _child(name: str, data: bytes, sender: Connection, memory_mb: int, seconds: float,
           handover: _SharedFile, work: Callable, *arguments) -> None:
    """Parse in the child: limit memory and CPU time, then write the result to the hand-over
    file and send back ("ok", CPU seconds used), or send a typed failure."""
    # Arrow's own allocator keeps freed memory mapped; the system one hands it back for reuse,
    # so the budget measures what the parse needs, not what the allocator hoards.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # The parent stops the child at its CPU budget; this is the backstop should the parent be gone.
    cpu = math.ceil(seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
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
            _hand_over(result[1], handover.fd)
            result = ("ok", time.process_time())
        sender.send(result)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()


class _SharedFile:
    """An open file the child inherits: passed as itself to a forked child, and duplicated into
    a child the forkserver starts."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _shared_file, (reduction.DupFd(self.fd),)


def _shared_file(duplicate) -> _SharedFile:
    return _SharedFile(duplicate.detach())


def _anonymous_file():
    """Return a new file in memory with no name (Linux memfd), or an unlinked temporary file."""
    if hasattr(os, "memfd_create"):
        return os.fdopen(os.memfd_create("recruit-dash-handover", os.MFD_CLOEXEC), "w+b")
    return tempfile.TemporaryFile()


def _hand_over(result: object, fd: int) -> None:
    """Write a result to the hand-over file (tens of megabytes of frames move faster through
    memory than through a pipe)."""
    with os.fdopen(os.dup(fd), "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)


def _collect(handover) -> object:
    """Return the result the child wrote to the hand-over file."""
    handover.seek(0)
    return pickle.load(handover)


def _cpu_seconds(pid: int | None) -> float:
    """Return the CPU time a child has used (all its threads), or 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
