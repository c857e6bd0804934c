"""Every error tradeflux raises on purpose, under one root.

Each class also derives from the built-in exception a caller would expect (``ValueError`` for bad
input, ``KeyError`` for an unknown name, ``RuntimeError`` for a failed computation), so code that
catches the built-in keeps working. Front ends map the classes to outcomes in one place: the command
line exits with :attr:`TradefluxError.exit_code`, an HTTP API answers with :attr:`TradefluxError.status`.

==========================  ====  ======  ====================================================
class                       exit  status  meaning
==========================  ====  ======  ====================================================
``InputError``                 2     400  an argument, option or file content is not acceptable
``FormatError``                2     400  a whole file is not in the format expected
``NotFound``                   2     404  an unknown country, source, table, scenario, figure ...
``StoreError``                 1     500  the store on disk is damaged or inconsistent
``StoreBusy``                  1     409  another process is writing to the store
``NotConverged``               1     422  a model did not converge (the residual is in the message)
``DownloadError``              1     502  a remote service failed after its retries
==========================  ====  ======  ====================================================
"""

from __future__ import annotations

__all__ = [
    "BasisError",
    "DownloadError",
    "FormatError",
    "InputError",
    "NotConverged",
    "NotFound",
    "StoreBusy",
    "StoreError",
    "TradefluxError",
]


class TradefluxError(Exception):
    """Root of tradeflux's errors; its message is written for the person who ran the command."""

    exit_code: int = 1
    status: int = 500

    def __str__(self) -> str:  # KeyError would quote its message; no subclass should
        return str(self.args[0]) if self.args else self.__class__.__name__


class InputError(TradefluxError, ValueError):
    """A value given by the user (argument, option, file content) is not acceptable."""

    exit_code = 2
    status = 400


class FormatError(InputError):
    """A whole file is not in the format expected; the message names the file and what was expected."""


class BasisError(InputError):
    """Figures on different bases (currency, valuation, reporter or mirror) would be combined."""


class NotFound(TradefluxError, KeyError):
    """An unknown name: country, group, source, table, column, scenario, figure, file."""

    exit_code = 2
    status = 404


class StoreError(TradefluxError, RuntimeError):
    """The store on disk is damaged or inconsistent; the message says which file and how to repair."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""

    status = 409


class NotConverged(TradefluxError, RuntimeError):
    """A solver stopped before its tolerance; the message gives the residual."""

    status = 422


class DownloadError(TradefluxError, RuntimeError):
    """A remote service failed after the client's retries."""

    status = 502
