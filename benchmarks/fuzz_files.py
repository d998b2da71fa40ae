"""Count outcomes of fuzzing user files: CSV/NPZ data, images and model files (issue 12).

    PYTHONPATH=. python benchmarks/fuzz_files.py [N_PER_PATH] [N_TRAIN]

Runs the strategies of tests/file_fuzz.py through the core loaders and the CLI. Each path
runs in a child process so that a hard crash (a signal, an abort) is counted, not fatal.
Prints one JSON object: per path, the counts of clean (the loader's own one-line error; CLI:
exit 2 and one stderr line), accepted (a sane load; CLI: exit 0), traceback (any other
exception, or CLI exit 1) and crash (the child died; the cases it had not done are lost).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

PATHS = ("csv: load_user_file", "npz: load_user_file", "image: read_digit",
         "model: load_model", "cli: train --data (csv/npz)", "cli: predict IMAGE",
         "cli: predict --model")


def _cli(argv: list[str]) -> tuple[int, str]:
    from nngui.cli import run_cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = run_cli(argv)
        except SystemExit as exc:
            rc = exc.code
    return rc, err.getvalue()


def _cli_outcome(rc: int, err: str) -> str:
    lines = [ln for ln in err.splitlines() if not ln.startswith(("hint:", "data:"))]
    if rc == 0:
        return "accepted"
    if rc == 2 and len(lines) == 1 and lines[0].startswith("nngui: error: "):
        return "clean"
    return "traceback"


def run_path(name: str, n: int, folder: Path) -> Counter:
    """Outcome counts of ``n`` generated cases through one open path."""
    import file_fuzz as ff
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from nngui.core.data.files import DatasetError, load_user_file
    from nngui.core.model.saving import ModelFileError, load_model
    from nngui.imageio import ImageFileError, read_digit

    seen: Counter = Counter()
    examples: dict[str, str] = {}
    models = [*ff.tiny_models(folder), *ff.BUNDLED_MODELS]
    dot = folder / "dot.png"
    dot.write_bytes(ff.SAMPLE_IMAGES[0] if ff.SAMPLE_IMAGES else ff._sample_images()[0])
    mlp = str(next(p for p in ff.BUNDLED_MODELS if p.stem == "mnist_mlp"))

    def load(fn, errors, path):
        try:
            result = fn(path)
        except errors as exc:
            return "clean" if ff.one_line(str(exc)) else "traceback (message not one line)"
        return result

    def data_case(suffix, raw):
        path = folder / f"data{suffix}"
        path.write_bytes(raw)
        ds = load(load_user_file, DatasetError, path)
        if isinstance(ds, str):
            return ds
        ff.check_dataset(ds)
        return "accepted"

    def image_case(case):
        path = folder / f"digit{case[0]}"
        path.write_bytes(case[1])
        out = load(read_digit, ImageFileError, path)
        return out if isinstance(out, str) else "accepted"

    def model_case(case):
        path = folder / f"model{case[0]}"
        path.write_bytes(case[1])
        out = load(load_model, ModelFileError, path)
        return out if isinstance(out, str) else "accepted"

    def train_case(case):
        path = folder / case[0]
        path.write_bytes(case[1])
        return _cli_outcome(*_cli(["train", "--preset", "xor-3-4-1", "--dataset", "file",
                                   "--data", str(path), "--epochs", "1", "--device", "cpu"]))

    def predict_image_case(case):
        path = folder / f"digit{case[0]}"
        path.write_bytes(case[1])
        return _cli_outcome(*_cli(["predict", "--model", mlp, str(path)]))

    def predict_model_case(case):
        path = folder / f"model{case[0]}"
        path.write_bytes(case[1])
        return _cli_outcome(*_cli(["predict", "--model", str(path), str(dot)]))

    cases = {
        "csv: load_user_file": (ff.csv_texts() | ff.xor_csv_texts(),
                                lambda raw: data_case(".csv", raw)),
        "npz: load_user_file": (ff.npz_files(), lambda raw: data_case(".npz", raw)),
        "image: read_digit": (ff.image_files(), image_case),
        "model: load_model": (ff.model_files(models), model_case),
        "cli: train --data (csv/npz)": (
            st.one_of(ff.csv_texts(), ff.xor_csv_texts()).map(lambda b: ("data.csv", b))
            | ff.npz_files().map(lambda b: ("data.npz", b)), train_case),
        "cli: predict IMAGE": (ff.image_files(), predict_image_case),
        "cli: predict --model": (ff.model_files(models), predict_model_case),
    }
    strategy, fn = cases[name]

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(case) -> None:
        try:
            outcome = fn(case)
        except BaseException as exc:  # noqa: BLE001 - counting, not handling
            outcome = "traceback"
            examples.setdefault(type(exc).__name__, repr(exc)[:200])
        seen[outcome] += 1

    one()
    if examples:
        seen["examples: " + json.dumps(examples)] = 0
    return seen


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    table = {}
    for name in PATHS:
        count = n_train if name.startswith("cli: train") else n
        child = subprocess.run([sys.executable, __file__, "--one", name, str(count)],
                               capture_output=True, text=True, cwd=REPO)
        try:
            counts = json.loads(child.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            counts = {"crash": 1, "detail": f"exit {child.returncode}: "
                      + child.stderr.strip()[-300:]}
        table[name] = {"cases": count, **counts}
        print(f"{name}: {table[name]}", file=sys.stderr, flush=True)
    keys = ("clean", "accepted", "traceback", "crash")
    table["total"] = {k: sum(v.get(k, 0) for v in table.values()) for k in ("cases", *keys)}
    print(json.dumps(table))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        with tempfile.TemporaryDirectory() as tmp:
            counts = run_path(sys.argv[2], int(sys.argv[3]), Path(tmp))
        print(json.dumps(dict(counts)))
    else:
        main()
