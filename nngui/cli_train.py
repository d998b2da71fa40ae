"""`nngui train`: load the data, check the network against it, train with a line per epoch,
save the model and the run as a project; the data loading and checking `evaluate` shares.
"""

from __future__ import annotations

import argparse
import sys

from nngui.cli_common import UsageError, dataset_choices, emit, load_spec

# TrainConfig fields `nngui train` sets from flags of the same name (None: keep the file's)
TRAIN_OVERRIDES = ("epochs", "batch_size", "seed", "validation_split", "early_stopping_patience",
                   "restore_best", "reduce_lr_patience", "lr_schedule", "lr_step_epochs",
                   "checkpoint_path")


def _progress_bar(done: int, total: int, what: str = "MNIST") -> None:
    from nngui.core.platform import runtime

    runtime.settle()  # stderr is silenced while TensorFlow loads in the background
    if total > 0:
        frac = done / total
        sys.stderr.write(f"\rDownloading {what} [{'#' * int(frac * 30):<30}] {frac:6.1%}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def load_data(name: str | None, path: str | None, seed: int):
    from nngui.core.data.datasets import REGISTRY, load_dataset

    if not name:
        raise UsageError(f"Give a dataset: --dataset NAME ({dataset_choices()}), or "
                         "--dataset file --data PATH.")
    offer = REGISTRY[name].download if name in REGISTRY else None
    what = offer.what if offer is not None else name
    return load_dataset(name, path, seed=seed,
                        progress=lambda done, total: _progress_bar(done, total, what))


def check_data(spec, dataset) -> None:
    from nngui.core.network.validate import DataInfo, check, errors

    problems = check(spec, DataInfo.of(dataset))
    if any(p.level == "hint" for p in problems):
        from nngui.core.platform import runtime

        runtime.settle()  # stderr is silenced while TensorFlow loads in the background
    for p in problems:
        if p.level == "hint":
            print(f"hint: {p}", file=sys.stderr)
    errs = errors(problems)
    if errs:
        raise UsageError(" ".join(_sentence(str(e)) for e in errs))


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, so several problems read as sentences in one line."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


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
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if k not in ("epoch_time", "epoch")]
        print(f"epoch {epoch + 1}/{self.total}  " + "  ".join(parts)
              + f"  ({logs.get('epoch_time', 0):.1f}s)", file=self.stream, flush=True)

    def on_end(self, result) -> None:
        pass


def cmd_train(args: argparse.Namespace) -> int:
    from nngui.core.data.adapt import prepare
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import check_model_path, save_model
    from nngui.core.platform.runtime import describe_device, device_scope
    from nngui.core.training.train import evaluate, train

    if args.out:
        check_model_path(args.out)  # before training: a bad --out must not cost the run
    if args.project:
        _check_project_path(args.project)
    spec, cfg, preset_dataset = load_spec(args)
    for key in TRAIN_OVERRIDES:
        if getattr(args, key, None) is not None:
            setattr(cfg, key, getattr(args, key))
    if args.device:
        cfg.device = args.device
    cfg.__post_init__()  # re-validate overrides
    if cfg.checkpoint_path:
        check_model_path(cfg.checkpoint_path)
    if args.decay is not None:
        spec.optimizer_params["decay"] = args.decay
    from nngui.core.training.callbacks import option_conflict

    conflict = option_conflict(cfg, spec)
    if conflict:  # said now, not after the data has loaded
        raise UsageError(conflict)
    from nngui.core.platform import runtime

    runtime.import_in_background()  # TensorFlow loads (~2 s) while the data does
    dataset = load_data(args.dataset or preset_dataset, args.data, cfg.seed or 0)
    check_data(spec, dataset)
    data = prepare(dataset, spec)
    runtime.settle()  # stderr is quiet until TensorFlow has loaded
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
    project = None
    if args.project:
        project = _save_run_project(args.project, spec, cfg, dataset, args.data, model,
                                    result)
    epoch_times = result.history.get("epoch_time", [])
    obj = {"preset": args.preset, "dataset": dataset.name, "epochs": result.epochs_done,
           "test": test, "history": result.history, "seconds": round(result.seconds, 3),
           "mean_epoch_seconds": round(sum(epoch_times) / max(len(epoch_times), 1), 3),
           "model": out, "project": project}
    text = "  ".join(f"test {k} {v:.4f}" for k, v in test.items())
    emit(args, obj, text + (f"\nsaved {out}" if out else "")
         + (f"\nsaved project {project}" if project else ""))
    return 0


def _check_project_path(path: str) -> None:
    from nngui.core.files.project import SUFFIX
    from nngui.core.platform.fsio import check_writable

    if not path.endswith(SUFFIX):
        raise UsageError(f"--project must name a {SUFFIX} file, not {path[:80]!r}.")
    check_writable(path)


def _save_run_project(path: str, spec, cfg, dataset, data_path, model, result) -> str:
    """The run as a project: what the app's Save project writes after one run."""
    from nngui.core.data.datasets import dataset_names
    from nngui.core.files.project import Project, ProjectError, save_project
    from nngui.core.training.runs import settings_of

    run = {"name": f"#1 {spec.name}", "settings": settings_of(spec, cfg),
           "history": result.history, "reason": result.reason or "finished"}
    name = dataset.name if dataset.name in dataset_names() else "file"
    project = Project(spec, cfg, name, data_path, epochs_done=result.epochs_done,
                      history=result.history, runs=[run], model=model)
    try:
        return str(save_project(project, path))
    except ProjectError as exc:
        raise UsageError(str(exc)) from None
