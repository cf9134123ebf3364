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
import sys
import tempfile
import threading
import time
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import connection, reduction
from multiprocessing.connection import Connection
from pathlib import Path

import pandas as pd
import pyarrow

from recruit_dash.errors import WorkbookError
from recruit_dash.ingest import handover
from recruit_dash.ingest.locate import RawSheet, SheetTraps
from recruit_dash.ingest.pipeline import (
    SheetPart,
    file_from_sheets,
    ingest_file,
    ingest_part,
    read_part,
    read_sheets,
    sheet_parts,
)
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
# Processes a large workbook's sheets are shared between (see pipeline.sheet_parts).
PARSE_CHILDREN = int(os.environ.get("RECRUIT_DASH_PARSE_CHILDREN", "0")) or min(2, os.cpu_count() or 1)

log = logging.getLogger(__name__)
_context_lock = threading.Lock()
_main_lock = threading.Lock()  # one swap of the main module at a time
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
    sheet of a shape the mapping profile knows read as it says.

    A large workbook's sheets are shared between several children (see `sheet_parts`); their
    sheets are put back in workbook order here."""
    parts = sheet_parts(data, PARSE_CHILDREN)
    if len(parts) == 1:
        outcome = _isolated(name, data, seconds, memory_mb, ingest_file, profile)
        return outcome if isinstance(outcome, tuple) else (outcome, {})
    outcome = _isolated_parts(name, data, seconds, memory_mb, _ingest_part,
                              [(profile, part) for part in parts])
    if isinstance(outcome, FileReport):
        return outcome, {}
    return file_from_sheets(name, [result for _, result in sorted(
        (pair for results in outcome for pair in results), key=lambda pair: pair[0])])


def read_sheets_isolated(name: str, data: bytes, *, seconds: float | None = None,
                         memory_mb: int | None = None,
                         ) -> tuple[list[RawSheet], dict[str, SheetTraps]] | FileReport:
    """Return a file's sheets as read and their traps, parsed in a child process within the
    limits (several for a large workbook), or the report of a file that could not be read."""
    parts = sheet_parts(data, PARSE_CHILDREN)
    if len(parts) == 1:
        return _isolated(name, data, seconds, memory_mb, read_sheets)
    outcome = _isolated_parts(name, data, seconds, memory_mb, _read_part,
                              [(part,) for part in parts])
    if isinstance(outcome, FileReport):
        return outcome
    raws = sorted((pair for pairs, _ in outcome for pair in pairs), key=lambda pair: pair[0])
    return [raw for _, raw in raws], {sheet: traps for _, found in outcome
                                      for sheet, traps in found.items()}


@dataclass(frozen=True)
class _PartFailure:
    """A part of a file that could not be read: the first sheet that failed, and why."""

    position: int
    message: str


def _ingest_part(name: str, data: bytes, profile: Profile | None, part: SheetPart):
    """Return a part's sheets read (in a child), or the failure of its first unreadable sheet."""
    try:
        return ingest_part(name, data, profile, part)
    except WorkbookError as error:
        return _PartFailure(getattr(error, "position", -1), str(error))


def _read_part(name: str, data: bytes, part: SheetPart):
    """Return a part's sheets as read and their traps (in a child), or the failure of its first
    unreadable sheet."""
    try:
        return read_part(name, data, part)
    except WorkbookError as error:
        return _PartFailure(getattr(error, "position", -1), str(error))


def _isolated(name: str, data: bytes, seconds: float | None, memory_mb: int | None,
              work: Callable, *arguments) -> object:
    """Return what `work(name, data, *arguments)` gives, run in a child process within the
    limits, or a FileReport saying in words why the file could not be read."""
    outcome = _isolated_parts(name, data, seconds, memory_mb, work, [arguments])
    return outcome[0] if isinstance(outcome, list) else outcome


def _isolated_parts(name: str, data: bytes, seconds: float | None, memory_mb: int | None,
                    work: Callable, parts: list[tuple]) -> list | FileReport:
    """Return what `work(name, data, *arguments)` gives for each part's arguments, each run in
    a child process of its own within the limits, or a FileReport saying in words why the file
    could not be read. The CPU time budget is the children's total: the file's work; a part
    that fails (`_PartFailure`) fails the file, the first of the workbook's sheets first."""
    seconds = PARSE_SECONDS if seconds is None else seconds
    memory_mb = PARSE_MEMORY_MB if memory_mb is None else memory_mb
    try:
        check_before_parsing(name, data)
    except WorkbookError as error:
        return FileReport(name, False, str(error))
    with _turn():
        outcome, payload, exitcode, spent = _run_children(name, data, seconds, memory_mb, work,
                                                          parts)
    if outcome == "ok":
        failures = [part for part in payload if isinstance(part, _PartFailure)]
        if failures:
            return FileReport(name, False, min(failures, key=lambda part: part.position).message)
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


@dataclass
class _Child:
    """One child at work on a part: its process, the pipe it reports on, its hand-over file,
    whether it has reported, and then the CPU time it used."""

    process: multiprocessing.process.BaseProcess
    receiver: Connection
    sender: Connection
    handover: object
    reported: bool = False
    cpu: float | None = None
    payload: object = None


def _run_children(name: str, data: bytes, seconds: float, memory_mb: int, work: Callable,
                  parts: list[tuple]) -> tuple[str, object, int | None, float]:
    """Run the work in one child per part and return (outcome, payload, exit code, wall seconds):
    the payloads of every part in order when all went well, else the first failure's payload
    and its child's exit code.

    Each result comes back through an anonymous in-memory file (memfd) the parent made and the
    child inherited: it has no name, so nothing is left behind whoever dies and whenever.
    """
    context = _context()
    children: list[_Child] = []
    started = time.monotonic()
    outcome, payload, failed = "stuck", None, None
    try:
        for arguments in parts:
            receiver, sender = context.Pipe(duplex=False)
            handover = _anonymous_file()
            process = context.Process(target=_child, args=(
                name, data, sender, memory_mb, seconds, _SharedFile(handover.fileno()), work,
                *arguments), daemon=True)
            children.append(_Child(process, receiver, sender, handover))
        with _without_main_script():
            for child in children:
                child.process.start()
                child.sender.close()
        outcome, payload, failed = _watch(children, seconds, started)
        if outcome == "ok":
            payload = [child.payload for child in children]
    except (EOFError, OSError, pickle.UnpicklingError):
        outcome, payload = "died", None
    finally:
        for child in children:
            child.sender.close()
            child.receiver.close()
            child.handover.close()
            # A part still at work when another has failed is wasted work: it stops too.
            if child.process.is_alive() and (outcome in LIMITS
                                             or outcome != "ok" and not child.reported):
                child.process.kill()
        for child in children:
            if child.process.pid is not None:
                child.process.join(5)
                if child.process.is_alive():
                    child.process.kill()
                    child.process.join()
    failed = failed or (children[0] if children else None)
    exitcode = failed.process.exitcode if failed is not None else None
    return outcome, payload, exitcode, time.monotonic() - started


def _watch(children: list[_Child], seconds: float, started: float,
           ) -> tuple[str, object, _Child | None]:
    """Wait for every child's report; return ("ok", None, None) or the first failure's
    (outcome, payload, child)."""
    wall = PARSE_WALL_SECONDS or max(120.0, 6 * seconds)
    while True:
        at_work = [child for child in children if not child.reported]
        if not at_work:
            return "ok", None, None
        ready = connection.wait([child.receiver for child in at_work], POLL_SECONDS)
        for child in at_work:
            if child.receiver not in ready:
                continue
            try:
                outcome, payload = child.receiver.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                return "died", None, child
            child.reported = True
            if outcome != "ok":
                return outcome, payload, child
            # The child reports its own CPU time, so the limit does not depend on the polling
            # (nor on the child still being there to look at).
            child.cpu = max(payload, _cpu_seconds(child.process.pid))
            # Taken in while the other parts are still at work.
            try:
                child.payload = _collect(child.handover)
            except (EOFError, OSError, pickle.UnpicklingError):
                return "died", None, child
        # The budget is the file's work, all children together; a read that needed more is
        # refused, even when it ended between two looks at the clock.
        if sum(_cpu_seconds(child.process.pid) if child.cpu is None else child.cpu
               for child in children) > seconds:
            return "timeout", None, next((child for child in children if not child.reported),
                                         children[0])
        for child in children:
            if not child.reported and not child.process.is_alive() and not child.receiver.poll(0):
                return "died", None, child
        if time.monotonic() - started > wall:
            return "stuck", None, next((child for child in children if not child.reported),
                                       children[0])


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


@contextlib.contextmanager
def _without_main_script():
    """Start children without running the parent's main script again.

    A child the forkserver starts first runs the parent's `__main__` file (as `__mp_main__`), so
    that its functions can be unpickled; under Streamlit that file is the app's script, whose run
    imports Streamlit and the pages and costs the parse about a second. The children's work lives
    in the core, which the forkserver has preloaded: while they start, the parent's main module
    is one with no file. (Only a Streamlit run replaces it meanwhile; then that run's stays.)
    """
    with _main_lock:
        main = sys.modules.get("__main__")
        stand_in = types.ModuleType("__main__")
        sys.modules["__main__"] = stand_in
        try:
            yield
        finally:
            if sys.modules.get("__main__") is stand_in:
                if main is None:
                    del sys.modules["__main__"]
                else:
                    sys.modules["__main__"] = main


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
    memory than through a pipe, and faster as Arrow than pickled: see `handover`)."""
    with os.fdopen(os.dup(fd), "wb") as file:
        handover.write(result, file)


def _collect(file) -> object:
    """Return the result the child wrote to the hand-over file."""
    return handover.read(file)


def _cpu_seconds(pid: int | None) -> float:
    """Return the CPU time a child has used (all its threads), or 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
