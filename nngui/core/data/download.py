"""Downloading a data set's file: streamed to disk with progress, counted and hashed as it comes.

MNIST and CIFAR-10 both come through :func:`fetch`. The caller owns the file it writes to (an
``atomic_path`` temp beside the cache), so a cut or wrong download never becomes the cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

DOWNLOAD_TIMEOUT_S = 10.0  # seconds a connection or one read may stall
CHUNK = 1 << 16

ProgressFn = Callable[[int, int], None]


class DownloadError(Exception):
    """A download that failed or came wrong (not a disk's OSError); the text says how."""


class ProgressFailed(Exception):
    """Wraps an exception raised by the caller's progress callback (e.g. a cancel)."""


def find_first(path: str | os.PathLike | None, env: str, cache: Path) -> Path | None:
    """Where a data set's file is: ``path`` if given, then the file ``$env`` names, then the
    download cache; the first that exists (None: none does)."""
    candidates: list[Path] = []
    if path is not None and str(path):
        candidates.append(Path(path).expanduser())
    named = os.environ.get(env, "").strip()
    if named:
        candidates.append(Path(named).expanduser())
    candidates.append(cache)
    return next((c for c in candidates if c.exists()), None)


def frozen_tls_context():
    """certifi's CAs in the frozen app: its bundled OpenSSL looks in the build host's cert dir."""
    import sys

    if not getattr(sys, "frozen", False):
        return None
    import ssl

    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def fetch(url: str, out: BinaryIO, progress: ProgressFn | None, *, limit: int | None = None,
          hash_name: str | None = None) -> tuple[int, str]:
    """Write the body of ``url`` to ``out``; returns (bytes written, hex digest or '').

    :class:`DownloadError` when the server cannot be reached, fails midway, sends less than
    its Content-Length or more than ``limit`` bytes; an OSError from writing ``out`` (a full
    disk) stays an OSError. An exception from ``progress`` comes out as
    :class:`ProgressFailed` (its cause).
    """
    import http.client
    import urllib.request

    digest = hashlib.new(hash_name, usedforsecurity=False) if hash_name else None
    network = (OSError, http.client.HTTPException, ValueError)
    try:
        resp = urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S,
                                      context=frozen_tls_context())
    except network as exc:
        raise DownloadError(str(exc) or type(exc).__name__) from exc
    with resp:
        total = int(resp.headers.get("Content-Length") or 0)
        if limit is not None and total > limit:
            raise DownloadError(f"the server offers {total:,} bytes, more than the {limit:,} "
                                "expected")
        done = 0
        while True:
            try:
                chunk = resp.read(CHUNK)
            except network as exc:
                raise DownloadError(f"download stopped after {done:,} bytes: "
                                    f"{str(exc) or type(exc).__name__}") from exc
            if not chunk:
                break
            out.write(chunk)
            if digest is not None:
                digest.update(chunk)
            done += len(chunk)
            if limit is not None and done > limit:
                raise DownloadError(f"the download passed the {limit:,} bytes expected")
            if progress is not None:
                try:
                    progress(done, total or (limit or 0))
                except Exception as exc:
                    raise ProgressFailed() from exc
        if total and done != total:
            raise DownloadError(f"download stopped after {done:,} of {total:,} bytes")
        out.flush()
    return done, digest.hexdigest() if digest is not None else ""
