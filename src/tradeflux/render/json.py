"""One JSON encoder for every front end: what ``--json`` prints and what the API returns."""

from __future__ import annotations

import json
from typing import Any

from tradeflux._results import jsonable

__all__ = ["dumps", "jsonable"]


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text; NaN and infinities are ``null``, never the invalid ``NaN``."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False)
