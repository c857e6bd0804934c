"""SDMX data messages read with ``sdmx1`` (the ``fetch`` extra): one row per observation, as text."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

import pandas as pd

from tradeflux.errors import FormatError
from tradeflux.sources.http import Service, ServiceClient


def observations(message: bytes | Path, where: str | Path) -> pd.DataFrame:
    """The observations of an SDMX data message, one row each: dimensions, attributes and ``value`` as text."""
    import sdmx

    data = message.read_bytes() if isinstance(message, Path) else message
    if b"<message:Error" in data[:2000] or b":Error>" in data[:2000]:
        text = re.findall(rb"<(?:\w+:)?Text[^>]*>([^<]*)<", data)
        said = " ".join(t.decode("utf-8", "replace").strip() for t in text[:2]) or "an SDMX error message"
        raise FormatError(f"{where}: the service answered with an error: {said}")
    try:
        # sdmx1 prints its parser's state on some failures, and warns that a structure-specific message came
        # without its structure (the dimensions are read from the series' attributes all the same)
        with contextlib.redirect_stdout(io.StringIO()), _quiet(logging.getLogger("sdmx")):
            parsed = sdmx.read_sdmx(io.BytesIO(data))
        datasets = list(getattr(parsed, "data", None) or [])
    except Exception as exc:  # sdmx1 raises many kinds on what is not an SDMX data message
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise FormatError(f"{where}: not an SDMX data message ({detail})") from None
    rows = []
    for ds in datasets:
        for obs in ds.obs:
            key = {k: str(v.value) for k, v in obs.key.values.items()}
            attrs = {k: str(v.value) for k, v in obs.attached_attribute.items()}
            rows.append({**key, **attrs, "value": None if obs.value is None else str(obs.value)})
    return pd.DataFrame(rows, dtype="string")


@contextlib.contextmanager
def _quiet(logger: logging.Logger):
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def sdmx_service(service: str, dataset: str, table: str, value: str, base_url: str) -> Service:
    """A service answering SDMX-ML data messages: an answer that is not one is refused (and not kept); no key; one
    request a second; experimental until a genuine answer with several series is at hand."""
    return Service(
        id=service,
        source=service,
        dataset=dataset,
        table=table,
        value=value,
        suffix=".xml",
        base_url=base_url,
        client=lambda url: ServiceClient(service, url, accept=("xml",), min_interval=1.0),
        check=lambda body, where: observations(body, where),
        experimental=True,
    )
