"""Small file helpers shared by the store, the readers of settings files and the writers of reports."""

from __future__ import annotations

import os
import tomllib
import uuid
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def read_toml(path: Path, *, what: str = "TOML", error: type[ValueError] = ValueError) -> dict:
    """A TOML file as a dict; a syntax error becomes ``error`` naming the file and the place."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not {what} ({exc})") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not {what} (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise error(f"{path}: not {what} (nested too deeply)") from None


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
