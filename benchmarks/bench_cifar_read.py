"""CIFAR-10 at full size: the binary archive read, the cache written, the cache read again.

Run by hand (prints one JSON object; no network, no display):
    python benchmarks/bench_cifar_read.py            # 50,000 + 10,000 records
    python benchmarks/bench_cifar_read.py --records 10000

The archive is made here in the real format (cifar-10-batches-bin/data_batch_1..5.bin and
test_batch.bin, random pixels, gzip level 6: random bytes do not shrink, so it is about the
real file's 170 MB). Phases, each the median of ``--repeats`` runs:

- ``archive_s``: ``load_cifar10_file`` on the .tar.gz: gunzip, the streamed tar read and the
  checks, the planes made NHWC, then the Dataset (float32 /255, flattened to 3,072);
- ``save_cache_s``: ``np.savez`` of the uint8 arrays, as the download keeps them;
- ``cache_s``: ``load_cifar10_file`` on that cifar10.npz (what every later pick of CIFAR-10
  costs);
- ``peak_rss_mb``: the process's peak.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import resource
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nngui.core.data import cifar  # noqa: E402


def make_archive(folder: Path, per_batch: int, test: int) -> Path:
    rng = np.random.default_rng(0)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        names = [*cifar.TRAIN_MEMBERS, cifar.TEST_MEMBER]
        for name, n in zip(names, [per_batch] * 5 + [test], strict=True):
            data = rng.integers(0, 256, size=(n, cifar.RECORD), dtype=np.uint8)
            data[:, 0] %= 10
            info = tarfile.TarInfo(f"{cifar.FOLDER}/{name}")
            info.size = data.nbytes
            tar.addfile(info, io.BytesIO(data.tobytes()))
    path = folder / "cifar-10-binary.tar.gz"
    path.write_bytes(gzip.compress(raw.getvalue(), compresslevel=6, mtime=0))
    return path


def as_cache(ds) -> dict[str, np.ndarray]:
    """The Dataset back as the uint8 arrays the download keeps."""
    def images(x):
        return np.round(x * 255).astype(np.uint8).reshape(-1, 32, 32, 3)

    return {"x_train": images(ds.x_train), "y_train": ds.y_train.astype(np.uint8),
            "x_test": images(ds.x_test), "y_test": ds.y_test.astype(np.uint8)}


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000, help="records per training batch")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        archive = make_archive(folder, args.records, args.records)
        cache = folder / "cifar10.npz"
        runs: dict[str, list[float]] = {"archive_s": [], "save_cache_s": [], "cache_s": []}
        for _ in range(args.repeats):
            t, ds = timed(lambda: cifar.load_cifar10_file(archive))
            runs["archive_s"].append(t)
            arrays = as_cache(ds)
            del ds
            t, _ = timed(lambda a=arrays: np.savez(cache, **a))
            runs["save_cache_s"].append(t)
            del arrays
            t, ds = timed(lambda: cifar.load_cifar10_file(cache))
            runs["cache_s"].append(t)
            del ds
        out = {k: round(statistics.median(v), 3) for k, v in runs.items()}
        out |= {"runs": {k: [round(t, 3) for t in v] for k, v in runs.items()},
                "records": 6 * args.records, "archive_mb": round(archive.stat().st_size / 1e6, 1),
                "cache_mb": round(cache.stat().st_size / 1e6, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "loadavg": os.getloadavg(), "machine": platform.processor() or platform.machine(),
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
