"""`nngui <subcommand>`: headless entry points over the same core the GUI uses.

With --json the last line of stdout is one JSON object. Bad input gives a one-line message
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def _emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(obj))
    else:
        print(text)


def cmd_presets(args: argparse.Namespace) -> int:
    from .core.presets import PRESETS
    from .core.shapes import total_params

    rows = [{"name": p.name, "title": p.title, "dataset": p.dataset,
             "params": total_params(p.spec())} for p in PRESETS.values()]
    text = "\n".join(f"{r['name']:<26} {r['params']:>12,}  {r['title']}" for r in rows)
    _emit(args, {"presets": rows}, text)
    return 0


def _load_spec(args: argparse.Namespace):
    from .core.presets import get_preset
    from .core.spec import TrainConfig, load_spec_file

    if getattr(args, "spec", None):
        spec, cfg = load_spec_file(args.spec)
        return spec, cfg, None
    if not args.preset:
        raise UsageError("Give a network: --preset NAME (see `nngui presets`) or --spec FILE.")
    p = get_preset(args.preset)
    return p.spec(), TrainConfig.from_dict(p.train), p.dataset


def cmd_summary(args: argparse.Namespace) -> int:
    from .core.shapes import layer_rows, total_params

    spec, _, _ = _load_spec(args)
    rows = layer_rows(spec)
    data = [{"layer": r.name, "type": r.type,
             "output_shape": list(r.output_shape) if r.output_shape else None,
             "params": r.params} for r in rows]
    total = total_params(spec)
    lines = [f'Model: "{spec.name}"', f"{'Layer (type)':<32}{'Output Shape':<24}{'Param #':>12}"]
    lines += [f"{r.name + ' (' + r.type + ')':<32}{r.shape_text:<24}{r.params:>12,}" for r in rows]
    lines.append(f"Total params: {total:,}")
    _emit(args, {"name": spec.name, "layers": data, "total_params": total}, "\n".join(lines))
    return 0


def _progress_bar(done: int, total: int) -> None:
    if total > 0:
        frac = done / total
        sys.stderr.write(f"\rDownloading MNIST [{'#' * int(frac * 30):<30}] {frac:6.1%}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _load_data(name: str | None, path: str | None, seed: int):
    from .core.datasets import load_dataset

    if not name:
        raise UsageError("Give a dataset: --dataset NAME (mnist, digits, xor, moons, ...).")
    return load_dataset(name, path, seed=seed, progress=_progress_bar)


def _check(spec, dataset) -> None:
    from .core.validate import DataInfo, check, errors

    problems = check(spec, DataInfo.of(dataset))
    for p in problems:
        if p.level == "hint":
            print(f"hint: {p}", file=sys.stderr)
    errs = errors(problems)
    if errs:
        raise UsageError("; ".join(str(e) for e in errs))


class _PrintObserver:
    """Prints one line per epoch (to stderr under --json, so stdout stays parseable)."""

    def __init__(self, total: int, stream) -> None:
        self.total = total
        self.stream = stream

    def on_begin(self, info) -> None:
        print(f"Training on {info.n_train:,} samples (validating on {info.n_val:,}), "
              f"{info.steps_per_epoch} batches/epoch", file=self.stream)

    def on_batches(self, *a) -> None:
        pass

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        every = max(1, self.total // 20)  # at most ~20 lines for long toy runs
        if (epoch + 1) % every and epoch + 1 != self.total:
            return
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if k != "epoch_time"]
        print(f"epoch {epoch + 1}/{self.total}  " + "  ".join(parts)
              + f"  ({logs.get('epoch_time', 0):.1f}s)", file=self.stream, flush=True)

    def on_end(self, result) -> None:
        pass


def cmd_train(args: argparse.Namespace) -> int:
    from .core.adapt import prepare
    from .core.builder import build_model
    from .core.modelio import check_model_path, save_model
    from .core.runtime import describe_device, device_scope
    from .core.training import evaluate, train

    if args.out:
        check_model_path(args.out)  # before training: a bad --out must not cost the run
    spec, cfg, preset_dataset = _load_spec(args)
    for key in ("epochs", "batch_size", "seed"):
        if getattr(args, key) is not None:
            setattr(cfg, key, getattr(args, key))
    if args.device:
        cfg.device = args.device
    cfg.__post_init__()  # re-validate overrides
    dataset = _load_data(args.dataset or preset_dataset, args.data, cfg.seed or 0)
    _check(spec, dataset)
    data = prepare(dataset, spec)
    stream = sys.stderr if args.json else sys.stdout
    for note in data.notes:
        print(f"data: {note}", file=stream)
    print(f"device: {describe_device(cfg.device)}", file=stream)
    with device_scope(cfg.device):
        model = build_model(spec, cfg.seed)
        result = train(model, data, spec, cfg, _PrintObserver(cfg.epochs, stream))
    if not result.ok:
        raise UsageError(result.message)
    test = evaluate(model, data)
    out = None
    if args.out:
        out = str(save_model(model, args.out))
    epoch_times = result.history.get("epoch_time", [])
    obj = {"preset": args.preset, "dataset": dataset.name, "epochs": result.epochs_done,
           "test": test, "history": result.history, "seconds": round(result.seconds, 3),
           "mean_epoch_seconds": round(sum(epoch_times) / max(len(epoch_times), 1), 3),
           "model": out}
    text = "  ".join(f"test {k} {v:.4f}" for k, v in test.items())
    _emit(args, obj, text + (f"\nsaved {out}" if out else ""))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .core.adapt import prepare
    from .core.autoencoder import as_autoencoder, reconstruction_mse
    from .core.modelio import load_model, spec_from_model
    from .core.training import evaluate

    model = load_model(args.model)
    spec = spec_from_model(model)
    if spec is None:
        raise UsageError(f"{args.model} uses layers nngui cannot read.")
    dataset = _load_data(args.dataset, args.data, 0)
    auto = as_autoencoder(spec) if dataset.task == "classification" else None
    if auto is not None and auto.layers[-1].params.get("activation") == "sigmoid":
        spec = auto  # same size in and out, sigmoid pixels: it rebuilds its input
    _check(spec, dataset)
    data = prepare(dataset, spec)
    res = evaluate(model, data)
    if spec.kind == "autoencoder":
        res = {"reconstruction_mse": float(reconstruction_mse(model, data.x_test).mean()),
               "loss": res["loss"]}
    text = "  ".join(f"{k} {v:.4f}" for k, v in res.items())
    _emit(args, {"model": args.model, "dataset": dataset.name, "n": len(data.x_test), **res},
          text)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Read digits from image files with a saved model (same preprocessing as the Draw tab)."""
    from .imageio import ImageFileError, predict_command_result

    try:
        results = predict_command_result(args.model, args.images)
    except ImageFileError as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # the model does not read 28x28 images
        raise UsageError(f"{args.model}: {exc}") from None
    lines = [f"{r['image']}: {r['digit']} ({max(r['probabilities']):.1%})" for r in results]
    _emit(args, {"model": str(args.model), "predictions": results}, "\n".join(lines))
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    """Train the XOR net, save, reopen and compare predictions: proves TF, Keras and I/O work."""
    import numpy as np

    from .core.adapt import prepare
    from .core.builder import build_model
    from .core.datasets import load_dataset
    from .core.modelio import load_model, save_model
    from .core.presets import get_preset
    from .core.training import evaluate, train

    t0 = time.perf_counter()
    preset = get_preset("xor-3-4-1")
    spec, cfg = preset.spec(), preset.train_config()
    data = prepare(load_dataset("xor"), spec)
    model = build_model(spec, cfg.seed)
    result = train(model, data, spec, cfg)
    acc = evaluate(model, data)["accuracy"]
    with tempfile.TemporaryDirectory() as tmp:
        path = save_model(model, Path(tmp) / "xor.keras")
        again = load_model(path)
        same = bool(np.allclose(model.predict(data.x_test, verbose=0),
                                again.predict(data.x_test, verbose=0), atol=1e-6))
    ok = result.ok and acc >= 0.99 and same
    obj = {"ok": ok, "xor_accuracy": acc, "reload_identical": same,
           "seconds": round(time.perf_counter() - t0, 2)}
    _emit(args, obj, f"selftest {'OK' if ok else 'FAILED'}: XOR accuracy {acc:.2f}, "
          f"reload identical: {same}")
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    """Write the network, its data and its training settings as a standalone Keras script."""
    from .core.datasets import find_mnist
    from .core.export_python import export_python, write_python

    if not args.python:
        raise UsageError("Say what to write: --python OUT.py")
    if not args.python.endswith(".py"):
        raise UsageError(f"A Python script ends in .py; {args.python} does not.")
    spec, cfg, preset_dataset = _load_spec(args)
    dataset = (args.dataset or preset_dataset or "").strip().lower()
    if not dataset:
        raise UsageError("Give the data set the script should load: --dataset NAME (mnist, "
                         "digits, xor, moons, ...) or --dataset file --data PATH.")
    data = args.data or (find_mnist() if dataset == "mnist" else None)
    text = export_python(spec, cfg, dataset, data, data_seed=cfg.seed or 0)
    path = write_python(args.python, text)
    _emit(args, {"python": str(path), "dataset": dataset, "data": str(data) if data else None},
          f"wrote {path}: run it with `python {path.name} --epochs 1` for a quick try")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    ap = argparse.ArgumentParser(prog="nngui", description="Build, train and understand "
                                 "neural networks. Without a subcommand, opens the app.")
    ap.add_argument("--version", action="version", version=f"nngui {__version__}")
    sub = ap.add_subparsers(dest="command")

    def add(name: str, fn, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.set_defaults(func=fn)
        p.add_argument("--json", action="store_true", help="last stdout line is one JSON object")
        return p

    add("presets", cmd_presets, "list the preset networks")
    p = add("summary", cmd_summary, "print a preset's or spec's model summary")
    p.add_argument("--preset")
    p.add_argument("--spec", help="network spec JSON file")
    p = add("train", cmd_train, "train a network on a dataset")
    p.add_argument("--preset")
    p.add_argument("--spec", help="network spec JSON file")
    p.add_argument("--dataset", help="mnist, digits, xor, moons, circles, spiral, blobs, "
                   "regression, or file (with --data)")
    p.add_argument("--data", help="data file: mnist.npz, IDX files, CSV or NPZ")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, dest="batch_size")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", choices=["auto", "cpu", "gpu"])
    p.add_argument("--out", help="save the trained model here (.keras)")
    p = add("evaluate", cmd_evaluate, "evaluate a saved model on a dataset's test set")
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--data")
    p = add("predict", cmd_predict, "read the digit in image files (PNG/JPEG) with a model")
    p.add_argument("--model", required=True, help="a .keras digit classifier")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, any size, "
                   "dark-on-light or light-on-dark")
    p = add("export", cmd_export, "write a network as a standalone Keras Python script")
    p.add_argument("--preset")
    p.add_argument("--spec", help="network spec JSON file")
    p.add_argument("--python", metavar="OUT.py", help="the script to write")
    p.add_argument("--dataset", help="the data the script loads (default: the preset's)")
    p.add_argument("--data", help="data file the script reads (MNIST: mnist.npz)")
    add("selftest", cmd_selftest, "a short end-to-end check (used by the packaged app)")
    return ap


def _user_errors() -> tuple[type[BaseException], ...]:
    from .core.datasets import DatasetError
    from .core.fsio import SaveError
    from .core.modelio import ModelFileError
    from .core.spec import SpecError

    return (UsageError, SpecError, DatasetError, ModelFileError, SaveError)


def run_cli(argv: list[str]) -> int:
    """Run a subcommand; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _user_errors() as exc:
        print(f"nngui: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nngui: interrupted", file=sys.stderr)
        return 130
