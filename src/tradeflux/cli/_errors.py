"""Errors to exit codes, in one place: every command ends with 0, 1 or 2 and at most one ``error:`` line.

``TradefluxError`` subclasses carry their exit code (2 for bad input, 1 otherwise); click's usage
errors (a bad option value) exit 2; a missing or unreadable file exits 2 naming it; anything else
is a defect in tradeflux and exits 1 with one line asking for a report (``TRADEFLUX_DEBUG=1`` shows
the traceback).
"""

from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperGroup

from tradeflux.errors import TradefluxError
from tradeflux.store import read_error, replaced_while_reading

# Typer may bundle its own copy of click: take its exception classes from what it exports.
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _line(message: str) -> str:
    return " ".join(str(message).split())


def report(exc: BaseException) -> int:
    """Print the one ``error:`` line for ``exc`` on stderr and return the exit code."""
    exc = read_error(exc) or exc
    if isinstance(exc, TradefluxError):
        code, text = exc.exit_code, str(exc)
    elif isinstance(exc, ClickException):
        code, text = 2, exc.format_message()
    elif isinstance(exc, (FileExistsError, NotADirectoryError)) and exc.filename:
        code, text = 2, f"{exc.filename}: a file is in the way where a folder is needed; give a folder's path"
    elif isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        name = exc.filename or ""
        code, text = 2, f"{name}: {exc.strerror}" if name else str(exc)
    elif isinstance(exc, UnicodeDecodeError):
        code, text = 2, f"a file is not text in the expected encoding ({exc.reason})"
    else:
        code, text = 1, f"internal error ({type(exc).__name__}: {exc}); please report it"
    sys.stderr.write(f"error: {_line(text)}\n")
    return code


READ_ATTEMPTS = 20  # readings of the store by one command while ingests keep replacing its files


class Group(TyperGroup):
    """The command group: runs a command and turns its errors into one line and an exit code."""

    def invoke(self, ctx):
        # click's Group.invoke consumes the command's arguments: keep them for a second reading
        given = (list(getattr(ctx, "_protected_args", [])), list(ctx.args))
        for attempt in range(1, READ_ATTEMPTS + 1):
            if attempt > 1 and hasattr(ctx, "_protected_args"):
                ctx._protected_args, ctx.args = list(given[0]), list(given[1])
            try:
                return super().invoke(ctx)
            except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:
                if os.environ.get("TRADEFLUX_DEBUG"):
                    raise
                if attempt < READ_ATTEMPTS and replaced_while_reading(exc):
                    continue  # an ingest committed while this command read the store: read it again
                raise typer.Exit(report(exc)) from None
        return None
