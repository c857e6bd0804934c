"""The ``tradeflux`` command: parse, call the library, render. Every command takes ``--json``.

Commands live in modules by concern (``data``, ``reference``, ``monitor``, ``models``); errors
become exit codes in one place (:mod:`tradeflux.cli._errors`).
"""

from __future__ import annotations

import typer

from tradeflux.cli._errors import Group

app = typer.Typer(
    cls=Group,
    help="tradeflux: a country's merchandise trade, from official data to metrics and scenarios.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
fetch_app = typer.Typer(cls=Group, help="Download data from official APIs.", no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")

from tradeflux.cli import data, models, monitor, outlook, reference  # noqa: E402  (registers the commands)

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover
    app()


_ = (data, models, monitor, outlook, reference)
