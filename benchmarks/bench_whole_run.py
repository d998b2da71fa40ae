"""Whole process, start to saved model: ``nngui train … --out`` vs the plain Keras script.

Run by hand (prints one JSON object):
    python benchmarks/bench_whole_run.py                       # all cases, 3 + 3 runs each
    python benchmarks/bench_whole_run.py --cases mlp512-32 --runs 2 --epochs 1
    python benchmarks/bench_whole_run.py --busy                # a CPU hog runs beside them
    python benchmarks/bench_whole_run.py --before /tmp/old     # also an older checkout

Each case runs the two processes alternately (plain, nngui, plain, nngui …) so machine noise
hits both; each side reports its median wall time, CPU time and peak RSS (from ``wait4``).
``ratio`` is plain / nngui wall time: above 1 means nngui finishes sooner. ``load`` is the
1-minute load average before the case. ``--busy`` starts one pure-Python busy loop beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mnist.npz"
# case -> (plain script model, nngui preset, batch size)
CASES = {
    "mlp512-32": ("mlp512", "mnist-mlp-512", 32),
    "mlp512-128": ("mlp512", "mnist-mlp-512", 128),
    "mlp20-32": ("mlp20", "mnist-784-20-10", 32),
    "ae-256": ("ae", "ae-2d", 256),
    "cnn-128": ("cnn", "mnist-cnn", 128),
}


def _run(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> dict:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out = proc.stdout.read() + proc.stderr.read()  # type: ignore[union-attr]
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.decode(errors='replace')[-2000:]}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}


def _med(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def bench_case(name: str, epochs: int, runs: int, data: Path, tmp: Path,
               before: Path | None = None) -> dict:
    model, preset, batch = CASES[name]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    plain_cmd = [sys.executable, str(ROOT / "benchmarks" / "plain_keras.py"), "--model", model,
                 "--batch-size", str(batch), "--epochs", str(epochs), "--data", str(data),
                 "--out", str(tmp / "plain.keras")]
    ours_cmd = [sys.executable, "-m", "nngui", "train", "--preset", preset, "--dataset",
                "mnist", "--data", str(data), "--epochs", str(epochs), "--batch-size",
                str(batch), "--device", "cpu", "--out", str(tmp / "nngui.keras")]
    load = os.getloadavg()[0]
    sides: dict[str, list[dict]] = {"plain_keras": [], "nngui": []}
    if before is not None:
        sides["nngui_before"] = []
    for _ in range(runs):
        sides["plain_keras"].append(_run(plain_cmd, env))
        sides["nngui"].append(_run(ours_cmd, env))
        if before is not None:  # the same command run from an older checkout (`-m` puts the
            # working directory first on sys.path, ahead of PYTHONPATH: both must point there)
            sides["nngui_before"].append(_run(ours_cmd, dict(env, PYTHONPATH=str(before)),
                                              cwd=before))
    side = {key: {"wall_s": _med(r, "wall_s"), "cpu_s": _med(r, "cpu_s"),
                  "rss_mib": _med(r, "rss_mib"), "runs_wall_s": [round(x["wall_s"], 2) for x in r]}
            for key, r in sides.items()}
    out = {"case": name, "preset": preset, "batch_size": batch, "epochs": epochs,
           "load_before": round(load, 2), **side,
           "ratio": round(side["plain_keras"]["wall_s"] / side["nngui"]["wall_s"], 2)}
    if before is not None:
        out["ratio_before"] = round(side["plain_keras"]["wall_s"]
                                    / side["nngui_before"]["wall_s"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3, help="runs of each side per case")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--busy", action="store_true", help="run a CPU hog beside the benchmark")
    ap.add_argument("--before", type=Path, help="an older nngui checkout (e.g. from git archive) "
                    "to time as a third side, nngui_before")
    args = ap.parse_args()
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results = []
            for case in args.cases:
                results.append(bench_case(case, args.epochs, args.runs, args.data, Path(tmp),
                                          args.before))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)  # kept if stopped
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    print(json.dumps({"benchmark": "whole_run", "cpu_count": os.cpu_count(), "busy": args.busy,
                      "load_after": round(os.getloadavg()[0], 2), "results": results}))


if __name__ == "__main__":
    main()
