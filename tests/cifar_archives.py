"""Small CIFAR-10 archives in the real binary format, and a local server for them.

Shared by the core and GUI tests: nothing here touches the internet.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FOLDER = "cifar-10-batches-bin"
BATCHES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


@dataclass
class Raw:
    """What an archive holds: NHWC uint8 images and labels, train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def raw_images(counts: tuple[int, ...] = (3, 2, 4, 1, 2, 3), seed: int = 0) -> list[tuple]:
    """Per batch (images (n, 32, 32, 3) uint8, labels (n,) uint8), random but known."""
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8),
             rng.integers(0, 10, size=n, dtype=np.uint8)) for n in counts]


def records(images: np.ndarray, labels: np.ndarray) -> bytes:
    """The binary format: a label byte, then the red, green and blue planes row by row."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return np.concatenate([labels[:, None], planes], axis=1).astype(np.uint8).tobytes()


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
            size: int | None = None, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if size is None else size
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE and data else None)


def archive_bytes(batches: list[tuple] | None = None, *, extra: list[tuple] = (),
                  skip: tuple[str, ...] = (), gz: bool = True, prefix: str = ""
                  ) -> tuple[bytes, Raw]:
    """A cifar-10-binary.tar.gz as bytes (and what it holds): the folder, the six batches
    (``skip`` leaves some out), batches.meta.txt, and ``extra`` members added after them as
    (name, data, kind, size, link) tuples; ``prefix`` ("./") goes before every name."""
    batches = batches if batches is not None else raw_images()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        if prefix:
            _member(tar, prefix, kind=tarfile.DIRTYPE)
        _member(tar, prefix + FOLDER, kind=tarfile.DIRTYPE)
        for name, (x, y) in zip(BATCHES, batches, strict=True):
            if name not in skip:
                _member(tar, f"{prefix}{FOLDER}/{name}", records(x, y))
        _member(tar, f"{prefix}{FOLDER}/batches.meta.txt", b"airplane\nautomobile\n")
        for name, data, kind, size, link in extra:
            _member(tar, name, data, kind, size, link)
    data = buf.getvalue()
    train = batches[:5]
    raw = Raw(np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
              *batches[5])
    return (gzip.compress(data, mtime=0) if gz else data), raw


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass
class Server:
    """What the local server serves: ``body`` (cut after ``cut`` bytes, the whole
    Content-Length still promised), each 64 kB chunk after ``delay`` seconds."""

    body: bytes = b""
    cut: int | None = None
    delay: float = 0.0
    requests: list[str] = field(default_factory=list)
    url: str = ""


@contextmanager
def serve(server: Server) -> Iterator[Server]:
    """Serve ``server.body`` at ``server.url`` from 127.0.0.1 in a thread."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            server.requests.append(self.path)
            body = server.body
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            sent = body if server.cut is None else body[:server.cut]
            try:
                for i in range(0, len(sent), 1 << 16):
                    if server.delay:
                        time.sleep(server.delay)
                    self.wfile.write(sent[i:i + (1 << 16)])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up (a cancel)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/cifar-10-binary.tar.gz"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def write_cache(home: Path, raw: Raw) -> Path:
    """The cache nngui keeps, ~/.keras/datasets/cifar10.npz, for ``raw``."""
    dest = home / ".keras" / "datasets" / "cifar10.npz"
    dest.parent.mkdir(parents=True, exist_ok=True)
    np.savez(dest, x_train=raw.x_train, y_train=raw.y_train, x_test=raw.x_test,
             y_test=raw.y_test)
    return dest
