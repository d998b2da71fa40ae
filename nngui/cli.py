"""`nngui <subcommand>`: headless entry points over the same core the GUI uses.

With --json the last line of stdout is one JSON object. Bad input gives a one-line message
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from nngui.cli_common import (
    DATASETS,
    EXIT_BAD_INPUT,
    UsageError,
    dataset_choices,
    emit,
    float_in,
    int_in,
    load_spec,
)
from nngui.cli_lab import add_lab_parser
from nngui.cli_lessons import add_lesson_parsers
from nngui.cli_train import check_data, cmd_train, load_data


class _Help(argparse.HelpFormatter):
    """Fills in DATASETS when help is shown, so that parsing never loads the registry."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        return text.replace(DATASETS, dataset_choices()) if text and DATASETS in text else text


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one stderr line and exit status 2 (no usage block)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        where = " ".join(self.prog.split()[1:])  # the subcommand, '' for nngui itself
        print(f"nngui: error: {where + ': ' if where else ''}{message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def cmd_presets(args: argparse.Namespace) -> int:
    from nngui.core.network.shapes import total_params
    from nngui.core.training.presets import PRESETS

    rows = [{"name": p.name, "title": p.title, "dataset": p.dataset,
             "params": total_params(p.spec())} for p in PRESETS.values()]
    text = "\n".join(f"{r['name']:<26} {r['params']:>12,}  {r['title']}" for r in rows)
    emit(args, {"presets": rows}, text)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from nngui.core.network.shapes import layer_rows, total_params

    spec, _, _ = load_spec(args)
    rows = layer_rows(spec)
    data = [{"layer": r.name, "type": r.type,
             "output_shape": list(r.output_shape) if r.output_shape else None,
             "params": r.params} for r in rows]
    total = total_params(spec)
    lines = [f'Model: "{spec.name}"', f"{'Layer (type)':<32}{'Output Shape':<24}{'Param #':>12}"]
    lines += [f"{r.name + ' (' + r.type + ')':<32}{r.shape_text:<24}{r.params:>12,}" for r in rows]
    lines.append(f"Total params: {total:,}")
    emit(args, {"name": spec.name, "layers": data, "total_params": total}, "\n".join(lines))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from nngui.core.data.adapt import prepare
    from nngui.core.model.autoencoder import recognised, reconstruction_mse
    from nngui.core.model.saving import load_model, spec_from_model
    from nngui.core.training.train import evaluate

    model = load_model(args.model)
    spec = spec_from_model(model)
    if spec is None:
        raise UsageError(f"{args.model} uses layers nngui cannot read.")
    dataset = load_data(args.dataset, args.data, 0)
    if dataset.task == "classification":
        spec = recognised(spec)  # same size in and out, sigmoid pixels: it rebuilds its input
    check_data(spec, dataset)
    data = prepare(dataset, spec)
    res = evaluate(model, data)
    if spec.kind == "autoencoder":
        res = {"reconstruction_mse": float(reconstruction_mse(model, data.x_test).mean()),
               "loss": res["loss"]}
    text = "  ".join(f"{k} {v:.4f}" for k, v in res.items())
    emit(args, {"model": args.model, "dataset": dataset.name, "n": len(data.x_test), **res},
          text)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Read digits from image files with a saved model (same preprocessing as the Draw tab)."""
    from nngui.imageio import ImageFileError, predict_command_result

    try:
        results = predict_command_result(args.model, args.images)
    except ImageFileError as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # the model does not read 28x28 images
        raise UsageError(f"{args.model}: {exc}") from None
    lines = [f"{r['image']}: {r['digit']} ({max(r['probabilities']):.1%})"
             if r["digit"] is not None else
             f"{r['image']}: no answer (the model outputs NaN: it diverged while training)"
             for r in results]
    emit(args, {"model": str(args.model), "predictions": results}, "\n".join(lines))
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    """Train the XOR net, save, reopen and compare predictions: proves TF, Keras and I/O work."""
    import numpy as np

    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_dataset
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import load_model, save_model
    from nngui.core.platform.tempdirs import scratch
    from nngui.core.training.presets import get_preset
    from nngui.core.training.train import evaluate, train

    t0 = time.perf_counter()
    preset = get_preset("xor-3-4-1")
    spec, cfg = preset.spec(), preset.train_config()
    data = prepare(load_dataset("xor"), spec)
    model = build_model(spec, cfg.seed)
    result = train(model, data, spec, cfg)
    acc = evaluate(model, data)["accuracy"]
    with scratch("selftest-") as tmp:
        path = save_model(model, Path(tmp) / "xor.keras")
        again = load_model(path)
        same = bool(np.allclose(model.predict(data.x_test, verbose=0),
                                again.predict(data.x_test, verbose=0), atol=1e-6))
    ok = result.ok and acc >= 0.99 and same
    obj = {"ok": ok, "xor_accuracy": acc, "reload_identical": same,
           "seconds": round(time.perf_counter() - t0, 2)}
    emit(args, obj, f"selftest {'OK' if ok else 'FAILED'}: XOR accuracy {acc:.2f}, "
          f"reload identical: {same}")
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    """Write the network, its data and its training settings as a standalone Keras script."""
    from nngui.core.data.datasets import REGISTRY
    from nngui.core.files.python_export import export_python, write_python

    if not args.python:
        raise UsageError("Say what to write: --python OUT.py")
    if not args.python.endswith(".py"):
        raise UsageError(f"A Python script ends in .py; {args.python} does not.")
    spec, cfg, preset_dataset = load_spec(args)
    dataset = (args.dataset or preset_dataset or "").strip().lower()
    if not dataset:
        raise UsageError("Give the data set the script should load: --dataset NAME "
                         f"({dataset_choices()}) or --dataset file --data PATH.")
    offer = REGISTRY[dataset].download if dataset in REGISTRY else None
    data = args.data or (offer.find() if offer is not None else None)  # MNIST's, CIFAR-10's
    text = export_python(spec, cfg, dataset, data, data_seed=cfg.seed or 0)
    path = write_python(args.python, text)
    emit(args, {"python": str(path), "dataset": dataset, "data": str(data) if data else None},
          f"wrote {path}: run it with `python {shlex.quote(str(path))} --epochs 1` for a "
          "quick try")
    return 0


def _add_option_flags(p: argparse.ArgumentParser) -> None:
    """The training options of the GUI's Training settings and Runs tab, as `train` flags."""
    p.add_argument("--validation-split", type=float_in(0.0, 0.99), dest="validation_split",
                   metavar="F", help="fraction of the training data held out (0 to 0.99)")
    p.add_argument("--early-stopping", type=int_in(0, 100_000), metavar="N",
                   dest="early_stopping_patience",
                   help="stop after N epochs without a better validation loss (0: off)")
    p.add_argument("--no-restore-best", action="store_const", const=False, dest="restore_best",
                   help="early stopping keeps the last weights, not the best epoch's")
    p.add_argument("--reduce-lr-patience", type=int_in(0, 100_000), metavar="N",
                   dest="reduce_lr_patience",
                   help="halve the learning rate after N epochs without improvement (0: off)")
    p.add_argument("--lr-schedule", choices=["constant", "step", "cosine"], dest="lr_schedule",
                   help="step: halve every --lr-step-epochs; cosine: fall to 0 over the run")
    p.add_argument("--lr-step-epochs", type=int_in(1, 100_000), metavar="N",
                   dest="lr_step_epochs", help="epochs between halvings (step schedule)")
    p.add_argument("--checkpoint", metavar="BEST.keras", dest="checkpoint_path",
                   help="keep the best epoch's model in this .keras file while training")
    p.add_argument("--decay", type=float_in(0.0, 1.0), metavar="D",
                   help="optimizer decay: learning rate lr / (1 + D * batches so far)")


def build_parser() -> argparse.ArgumentParser:
    from nngui import __version__

    ap = _Parser(prog="nngui", description="Build, train and understand "
                 "neural networks. Without a subcommand, opens the app.")
    ap.add_argument("--version", action="version", version=f"nngui {__version__}")
    sub = ap.add_subparsers(dest="command")

    def add(name: str, fn, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        if fn is not None:
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
    p.add_argument("--dataset", help=f"{DATASETS}, or file (with --data)")
    p.add_argument("--data", help="data file: mnist.npz, IDX files, cifar-10-binary.tar.gz, "
                   "CSV or NPZ")
    p.add_argument("--epochs", type=int_in(1, 100_000))
    p.add_argument("--batch-size", type=int_in(1, 1_000_000), dest="batch_size")
    p.add_argument("--seed", type=int_in(0, 2**32 - 1))
    p.add_argument("--device", choices=["auto", "cpu", "gpu", "all"])
    p.add_argument("--out", help="save the trained model here (.keras)")
    p.add_argument("--project", metavar="OUT.nngui",
                   help="also write the run as a project (model, history, settings)")
    _add_option_flags(p)
    p = add("evaluate", cmd_evaluate, "evaluate a saved model on a dataset's test set")
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True, help=f"{DATASETS}, or file (with --data)")
    p.add_argument("--data")
    p = add("predict", cmd_predict, "read the digit in image files (PNG/JPEG) with a model")
    p.add_argument("--model", required=True, help="a .keras digit classifier")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, any size, "
                   "dark-on-light or light-on-dark")
    p = add("export", cmd_export, "write a network as a standalone Keras Python script")
    p.add_argument("--preset")
    p.add_argument("--spec", help="network spec JSON file")
    p.add_argument("--python", metavar="OUT.py", help="the script to write")
    p.add_argument("--dataset", help=f"the data the script loads: {DATASETS}, or file (with "
                   "--data); default: the preset's")
    p.add_argument("--data", help="data file the script reads (MNIST: mnist.npz; "
                   "CIFAR-10: cifar10.npz or cifar-10-binary.tar.gz)")
    add("selftest", cmd_selftest, "a short end-to-end check (used by the packaged app)")
    add_lab_parser(add)
    add_lesson_parsers(add)
    return ap


def _user_errors() -> tuple[type[BaseException], ...]:
    from nngui.core.data.datasets import DatasetError
    from nngui.core.model.saving import ModelFileError
    from nngui.core.network.spec import SpecError
    from nngui.core.platform.fsio import SaveError

    return (UsageError, SpecError, DatasetError, ModelFileError, SaveError)


def unknown_command(word: str) -> int:
    """`nngui trian`: one line naming the commands (and the likely one), exit status 2."""
    import difflib

    names = sorted(SUBCOMMANDS)
    close = difflib.get_close_matches(word, names, n=1)
    hint = f"; did you mean {close[0]}?" if close else f" (commands: {', '.join(names)})"
    if "/" in word or "." in word:  # meant as a file to open: say that it is not there
        hint = f": no such file, and not one of the commands {', '.join(names)}"
    print(f"nngui: error: unknown command {word[:60]!r}{hint}", file=sys.stderr)
    return EXIT_BAD_INPUT


SUBCOMMANDS = ("presets", "summary", "train", "evaluate", "predict", "export", "selftest", "lab",
               "lessons", "lesson")


def run_cli(argv: list[str]) -> int:
    """Run a subcommand; returns the exit status."""
    if argv and not argv[0].startswith("-") and argv[0] not in SUBCOMMANDS:
        return unknown_command(argv[0])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):  # `nngui --json` and the like: options but no command
        return unknown_command(" ".join(argv))
    try:
        try:
            return args.func(args)
        finally:
            from nngui.core.platform import runtime

            runtime.settle()  # a TensorFlow import in the background silences stderr
    except _user_errors() as exc:
        print(f"nngui: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nngui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `nngui … | head`: the reader has gone, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0
    except (MemoryError, RecursionError) as exc:  # what bad input can still cost
        print(f"nngui: error: out of resources ({exc.__class__.__name__}); the input is too "
              "large", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: still one line (NNGUI_DEBUG=1 shows the traceback)
        import os

        if os.environ.get("NNGUI_DEBUG"):
            raise
        print(f"nngui: internal error: {exc.__class__.__name__}: {_one_line(exc)} (please "
              "report it; NNGUI_DEBUG=1 shows the details)", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in lines) if lines else exc.__class__.__name__
