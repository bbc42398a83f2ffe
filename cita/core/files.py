"""Local files written whole or not at all: a process stopped midway (Ctrl-C) never leaves half a file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def file_write_private(path: Path, text: str, *, overwrite: bool = True) -> bool:
    """Write `text` to `path`, readable by its owner only (0600), atomically: into a temporary file beside
    it, then renamed. With `overwrite` false an existing file is kept (returns False). True when written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails if the file exists: never replaces it
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
