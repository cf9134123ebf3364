"""Typed errors from the core; the UI and the command line show their message, never a traceback."""


class WorkbookError(Exception):
    """A file we cannot read, with a sentence a team lead understands."""
