"""One HTML page builder for every report: the same head, styles, bundled Plotly and table format."""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from tradeflux._format import cell

__all__ = ["esc", "page", "table"]

esc = html.escape

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1a202c; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
td, th { border-bottom: 1px solid #e2e8f0; padding: 4px 8px; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.tag { padding: 1px 6px; border-radius: 4px; font-size: 0.8rem; }
.reported { background: #feebc8; } .computed { background: #c6f6d5; } .derived { background: #e9d8fd; }
.headline p { font-size: 1.1rem; } .warnings li { color: #9c4221; }
"""


def table(
    frame: pd.DataFrame, *, limit: int | None = None, table_id: str | None = None, whole: str | None = None
) -> str:
    """A frame as an HTML table, numbers formatted by :func:`tradeflux.render.format.cell`; a table cut at
    ``limit`` rows says so, and where the whole table is (``whole``, a file name)."""
    shown = frame.head(limit) if limit else frame
    numeric = {c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])}
    head = "".join(f"<th>{esc(str(c))}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for column, value in zip(shown.columns, row, strict=True):
            klass = ' class="num"' if column in numeric else ""
            cells.append(f"<td{klass}>{esc(cell(str(column), value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    cut = ""
    if len(shown) < len(frame):
        where = f"; all rows in {esc(whole)}" if whole else ""
        cut = f'<p class="cut">The first {len(shown):,} of {len(frame):,} rows{where}.</p>'
    return f'<table class="data"{ident}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>{cut}'


def page(title: str, body: Iterable[str], *, plotly: bool = True) -> str:
    """A self-contained page: ``body`` parts in order, Plotly's script inlined (nothing fetched at run time)."""
    script = ""
    if plotly:
        from plotly.offline import get_plotlyjs

        script = f"<script>{get_plotlyjs()}</script>"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"{script}<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
