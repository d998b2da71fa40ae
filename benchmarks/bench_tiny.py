"""Small data in a blink: the course's toy presets through the window's path and the CLI's,
and nngui's epochs per second against plain Keras ``fit`` (issue 27).

Run by hand (prints one JSON object):
    python benchmarks/bench_tiny.py                            # every case, 2 runs a side
    python benchmarks/bench_tiny.py --cases xor moons-ratio --runs 3
    python benchmarks/bench_tiny.py --before /tmp/tiny-before  # also an older checkout

Cases (each run is a child process that loads TensorFlow first, so every number is "with
TensorFlow ready"; a child trains a fresh network, as a student's next Train does):
- ``xor`` / ``moons`` / ``circles`` / ``lifted``: the preset (``xor-3-4-1`` 150 epochs;
  ``mlp-2-2-2`` on moons, ``mlp-2-4-2`` and ``perceptron-lifted`` on circles, 300 epochs of
  the 800 training points), three ways: ``gui`` is the real MainWindow (offscreen) from the
  Train click to the last epoch's point on the curve (the panel's ``epochEnded``) and to the
  end of the run; ``window`` is ``run_request`` in a worker thread with the probes the window
  gives it (every live view's) and a Stop event, from the call to the last epoch's event;
  ``cli`` is ``nngui train --preset … --dataset …`` in the process, after its imports.
- ``*-ratio``: epochs per second of nngui's ``train`` (the CLI's path) against plain Keras
  ``fit`` (Keras' default compile and Adam, ``shuffle=True``, the same validation split) on
  the same model and data, alternated in one process (plain, nngui, plain, nngui …), whole
  calls from the call to its return; ``steady`` leaves out each run's first epoch (its
  compile). ``xor-ratio`` (4 samples), ``moons-ratio`` (800), ``mnist10k-ratio``
  (784-100-10, 79,510 parameters, 10,000 MNIST samples, batch 32); ``mnist1k-ratio``,
  ``mnist5k-ratio`` (1,000 and 5,000 samples), ``mnist10k-b128-ratio`` (batch 128): the
  same net, 5 epochs, 10 % of the samples for validation as the app's default.

``--look S``: the gui child, once the window has started (TensorFlow ready, no job left),
picks the preset, sets its epochs and clicks Train S seconds later (default 1.0): the window prepares the network meanwhile (``gui/window/prebuilder.py``, after
0.4 s without edits), so 0 is a click before any preparation, ~0.5 a click that waits for one
in flight, 2-3 a student who looks at the screen first. Each gui run says what the click
found (``at_click``: prepared, preparing, not prepared, none: a tree without it).

``--again``: each gui/window child then also presses "Train from scratch" once the first run
is over and times that run (``again_*``: the same network re-initialised in its session,
``core/training/reinit.py``); each ratio child adds the side ``nngui_again`` (the same
network trained from scratch again in one session, as a student's repeat does) and
``ratio_again``. Models in a ratio child are seeded without clearing TensorFlow's kernel
cache where the tree can (``reinit.seed_keeping_kernels``), so one side's new model does not
make another side's kept call re-optimise.

The sides (``after``: this checkout; ``before``: ``--before``) alternate run by run so the
machine's load hits both; each reports the median of its runs. ``load`` is the 1-minute load
average before the case.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NNGUI_MNIST") or ROOT.parent / "shared" / "data" / "mnist.npz")
PRESETS = {  # case -> (preset, dataset, epochs)
    "xor": ("xor-3-4-1", "xor", 150),
    "moons": ("mlp-2-2-2", "moons", 300),
    "circles": ("mlp-2-4-2", "circles", 300),
    "lifted": ("perceptron-lifted", "circles", 300),
}
RATIOS = {"xor-ratio": ("xor-3-4-1", "xor", 150), "moons-ratio": ("mlp-2-2-2", "moons", 100),
          "mnist10k-ratio": (None, "mnist", 5)}
MNIST_RATIOS = {  # case -> (training samples, batch size) of the 784-100-10 net
    "mnist1k-ratio": (1_000, 32), "mnist5k-ratio": (5_000, 32), "mnist10k-ratio": (10_000, 32),
    "mnist10k-b128-ratio": (10_000, 128)}
RATIOS.update({case: (None, "mnist", 5) for case in MNIST_RATIOS})
WAYS = ("gui", "window", "cli")


# ---- children: one measurement each, printed as a JSON line ------------------------------

def _tf_ready() -> None:
    from nngui.core.platform.runtime import keras

    keras()


def _preset(name: str, dataset: str, epochs: int):
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_dataset
    from nngui.core.training.presets import get_preset

    p = get_preset(name)
    spec, cfg = p.spec(), p.train_config()
    cfg.epochs = epochs
    ds = load_dataset(dataset)
    return spec, cfg, ds, prepare(ds, spec)


def child_window(name: str, dataset: str, epochs: int, again: bool = False) -> dict:
    """``run_request`` as the window calls it: a worker thread, the window's probes, Stop.
    With ``again``, a second run of the same session with ``restart`` ("Train from
    scratch") is timed too (``again_*``)."""
    _tf_ready()
    from nngui.core.insight.layer_stats import stats_probes
    from nngui.core.insight.probes import live_probes
    from nngui.core.training.observer import EventObserver
    from nngui.core.training.session import RunRequest, Session
    from nngui.core.training.train import run_request

    spec, cfg, ds, data = _preset(name, dataset, epochs)
    probes = [*live_probes(int(spec.input_shape[0]), data.x_train, ds.y_train, data.x_test,
                           ds.y_test, features=spec.features),
              *stats_probes(data.x_train, data.y_train, data.x_test, data.y_test)]
    events: list[tuple[float, str]] = []
    observer = EventObserver(lambda ev: events.append((time.perf_counter(), ev[0])))
    session = Session(spec)

    def one(restart: bool) -> dict:
        events.clear()
        request = RunRequest(session, data, cfg, restart, probes=probes).for_next_run()
        box: dict = {}
        t0 = time.perf_counter()
        worker = threading.Thread(target=lambda: box.update(
            r=run_request(request, observer, threading.Event())))
        worker.start()
        worker.join()
        end = time.perf_counter() - t0
        result = box["r"]
        kinds = [k for _, k in events]
        return {"final_point_s": round(max(t for t, k in events if k == "epoch") - t0, 3),
                "first_batch_point_s": round(events[kinds.index("batches")][0] - t0, 3),
                "total_s": round(end, 3), "epochs": result.epochs_done,
                "reason": result.reason, "probe_events": kinds.count("probe"),
                "final_loss": result.history["loss"][-1]}

    out = one(False)
    if again:
        out.update({f"again_{key}": value for key, value in one(True).items()})
    return out


def child_cli(name: str, dataset: str, epochs: int) -> dict:
    """``nngui train --preset … --dataset …`` in this process, after its imports."""
    _tf_ready()
    import contextlib
    import io

    import nngui.core.data.adapt  # noqa: F401 - what cmd_train imports, loaded beforehand
    import nngui.core.model.saving  # noqa: F401
    import nngui.core.training.train  # noqa: F401
    from nngui.cli import run_cli

    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = run_cli(["train", "--preset", name, "--dataset", dataset, "--epochs",
                        str(epochs), "--json"])
    seconds = time.perf_counter() - t0
    res = json.loads(out.getvalue().strip().splitlines()[-1])
    return {"total_s": round(seconds, 3), "code": code, "epochs": res["epochs"],
            "train_s": res["seconds"], "test": res["test"]}


def child_gui(name: str, dataset: str, epochs: int, again: bool = False) -> dict:
    """The real MainWindow (offscreen): Train clicked with TensorFlow ready; with ``again``,
    then "Train from scratch" clicked and timed too (``again_*``)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _quiet import quiet
    from PySide6.QtWidgets import QApplication, QMessageBox

    from nngui.gui.window.main_window import MainWindow

    quiet()

    boxes: list[str] = []

    def refuse(_parent, title, text, *a, **k):  # a modal box would wait for a click forever
        boxes.append(f"{title}: {text}")

    QMessageBox.information = QMessageBox.warning = staticmethod(refuse)
    app = QApplication.instance() or QApplication([])
    w = MainWindow()
    w.show()

    def wait(cond, timeout=900.0):
        t = time.perf_counter()
        while not cond():
            app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() - t > timeout:
                raise TimeoutError

    wait(lambda: w.data.dataset is not None)
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    _tf_ready()
    wait(lambda: not w.tasks.running())  # start-up's jobs (the Draw tab's models): settled
    (getattr(w, "apply_preset", None) or w._apply_preset)(name)  # the student picks it now
    wait(lambda: w.data.dataset is not None and w.data.dataset.name == dataset)
    cfg = w.builder.config()
    cfg.epochs = epochs
    w.builder.set_config(cfg)
    # the student looks at the screen this long before clicking Train (--look): the window
    # prepares the network meanwhile (gui/window/prebuilder.py) once the edits pause
    settle = time.perf_counter() + float(os.environ.get("NNGUI_BENCH_LOOK", "1.0"))
    wait(lambda: time.perf_counter() > settle)
    prep = getattr(w.work, "prebuilder", None)
    marks: dict[str, float] = {}
    target = epochs - 1
    w.training.batchesArrived.connect(lambda *a: marks.setdefault("first_batch_point",
                                                                  time.perf_counter()))
    w.training.epochEnded.connect(lambda e, logs: marks.setdefault(
        "final_point", time.perf_counter()) if e == target else None)
    finished: list = []
    w.training.runFinished.connect(finished.append)

    def one(button: str) -> dict:
        marks.clear()
        finished.clear()
        state = "none" if prep is None else "preparing" if prep.is_preparing() else \
            "prepared" if prep.shelf._entry is not None else "not prepared"
        t0 = time.perf_counter()
        w.findChild(object, button).click()
        if boxes:
            raise SystemExit(f"the window asked instead of training: {boxes}")
        wait(lambda: bool(finished))
        end = time.perf_counter()
        wait(lambda: time.perf_counter() > end + 0.3)  # the last redraw
        result = finished[0]
        return {"final_point_s": round(marks["final_point"] - t0, 3),
                "first_batch_point_s": round(marks["first_batch_point"] - t0, 3),
                "total_s": round(end - t0, 3), "epochs": result.epochs_done,
                "reason": result.reason, "at_click": state,
                "epoch_times": result.history.get("epoch_time", [])[-epochs:]}

    out = one("trainButton")
    if again:
        wait(lambda: not w.tasks.running())  # the evaluation after the run
        out.update({f"again_{key}": value for key, value in one("restartButton").items()})
    w.close()
    return out


def child_ratio(case: str, runs: int, again: bool = False) -> dict:
    """nngui's ``train`` vs plain Keras ``fit``, same model and data, alternated. With
    ``again`` a third side, ``nngui_again``: the same network trained from scratch again in
    one session (``Session.ensure_model(seed, restart=True)``, then ``train``), as a
    student's repeat, a seed repeat or a sweep over settings does; one such run before the
    timed ones builds the session's model."""
    _tf_ready()
    from nngui.core.model.builder import build_model, make_loss, make_metrics, make_optimizer
    from nngui.core.platform.runtime import keras
    from nngui.core.training.train import train

    name, dataset, epochs = RATIOS[case]
    if name is None:
        from nngui.core.data.adapt import prepare
        from nngui.core.data.datasets import load_mnist
        from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig

        spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 100, "activation": "relu"}),
                                    LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                           "categorical_crossentropy")
        samples, batch = MNIST_RATIOS[case]
        cfg = TrainConfig(epochs=epochs, batch_size=batch)
        data = prepare(load_mnist(os.environ["NNGUI_MNIST"]).subset(samples, 1000), spec)
    else:
        spec, cfg, _, data = _preset(name, dataset, epochs)
    k = keras()
    try:  # seed 0 without clearing TensorFlow's kernel cache (where the tree has it): a
        # side's new model must not make the ``nngui_again`` side's kept call re-optimise
        from nngui.core.training.reinit import seed_keeping_kernels
    except ImportError:
        seed_keeping_kernels = None

    def new_model():
        if seed_keeping_kernels is None:
            return build_model(spec, 0)
        seed_keeping_kernels(0)
        return build_model(spec, None)

    def plain() -> tuple[float, list[float]]:
        model = new_model()
        optimizer = make_optimizer(spec)
        if "update_step" in vars(optimizer):  # nngui's fused Adam: the baseline is Keras'
            del optimizer.update_step
        model.compile(optimizer=optimizer, loss=make_loss(spec), metrics=make_metrics(spec))
        times: list[float] = []

        class T(k.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                times.append(time.perf_counter() - self.t)

        t0 = time.perf_counter()
        model.fit(data.x_train, data.y_train, batch_size=cfg.batch_size, epochs=epochs,
                  validation_split=cfg.validation_split, shuffle=True, verbose=0,
                  callbacks=[T()])
        return time.perf_counter() - t0, times

    def ours() -> tuple[float, list[float]]:
        model = new_model()
        t0 = time.perf_counter()
        result = train(model, data, spec, cfg)
        assert result.reason == "finished", result.message
        return time.perf_counter() - t0, result.history["epoch_time"]

    from nngui.core.training.session import Session

    session = Session(spec)

    def ours_again() -> tuple[float, list[float]]:
        t0 = time.perf_counter()
        model = session.ensure_model(0, True)  # "Train from scratch"
        result = train(model, data, spec, cfg)
        assert result.reason == "finished", result.message
        return time.perf_counter() - t0, result.history["epoch_time"]

    sides: dict[str, list] = {"plain_keras": [], "nngui": []}
    if again:
        ours_again()  # the session's first model, untimed
        sides["nngui_again"] = []
    for _ in range(runs):
        sides["plain_keras"].append(plain())
        sides["nngui"].append(ours())
        if again:
            sides["nngui_again"].append(ours_again())
    out: dict = {"params": int(build_model(spec, 0).count_params()),
                 "samples": len(data.x_train), "epochs": epochs}
    for side, got in sides.items():
        whole = statistics.median(epochs / s for s, _ in got)
        steady = statistics.median((epochs - 1) / max(sum(t[1:]), 1e-9) for _, t in got)
        out[side] = {"epochs_per_s": round(whole, 2), "steady_epochs_per_s": round(steady, 2),
                     "runs_s": [round(s, 2) for s, _ in got]}
    for side, suffix in (("nngui", ""), ("nngui_again", "_again")):
        if side not in out:
            continue
        out["ratio" + suffix] = round(out[side]["epochs_per_s"]
                                      / out["plain_keras"]["epochs_per_s"], 2)
        out["steady_ratio" + suffix] = round(out[side]["steady_epochs_per_s"]
                                             / out["plain_keras"]["steady_epochs_per_s"], 2)
    return out


# ---- the parent: alternates sides and children ------------------------------------------

def _child(args: list[str], tree: Path, again: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()),
                           *(["--again"] if again else []), "--child", *args],
                          env=env, cwd=tree, capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout)[-1500:]}
    return json.loads(lines[-1])


def _median(runs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return round(statistics.median(vals), 3) if vals else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=[*PRESETS, *RATIOS], choices=[*PRESETS, *RATIOS])
    ap.add_argument("--ways", nargs="+", default=list(WAYS), choices=WAYS)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--before", type=Path, help="an older checkout, timed as a second side")
    ap.add_argument("--data", type=Path, default=DATA, help="mnist.npz (mnist10k-ratio)")
    ap.add_argument("--again", action="store_true",
                    help="also time a second run of the same network, trained from scratch "
                         "in the same session (gui: the Train from scratch button)")
    ap.add_argument("--look", type=float, default=1.0,
                    help="gui: seconds between choosing the preset (and its epochs) and the "
                         "Train click; the window prepares the network meanwhile (0: the "
                         "click comes before any preparation)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["NNGUI_BENCH_LOOK"] = str(args.look)
    os.environ["NNGUI_MNIST"] = str(args.data)  # the children's MNIST (and the window's)
    if args.child:
        kind, *rest = args.child
        if kind == "ratio":
            print(json.dumps(child_ratio(rest[0], int(rest[1]), args.again)))
        else:
            name, dataset, epochs = rest[0], rest[1], int(rest[2])
            fn = {"window": child_window, "cli": child_cli, "gui": child_gui}[kind]
            print(json.dumps(fn(name, dataset, epochs, *([args.again] * (kind != "cli")))))
        return
    trees = {"after": ROOT}
    if args.before is not None:
        trees["before"] = args.before.resolve()
    out: dict = {"machine_cpus": os.cpu_count()}
    for case in args.cases:
        load = os.getloadavg()[0]
        if case in RATIOS:
            res = {side: _child(["ratio", case, str(args.runs)], tree, args.again)
                   for side, tree in trees.items()}
            out[case] = {"load": round(load, 2), **res}
            continue
        name, dataset, epochs = PRESETS[case]
        res = {}
        for way in args.ways:
            runs: dict[str, list[dict]] = {side: [] for side in trees}
            for _ in range(args.runs):
                for side, tree in trees.items():
                    runs[side].append(_child([way, name, dataset, str(epochs)], tree,
                                             args.again))
            keys = ("final_point_s", "first_batch_point_s", "total_s")
            if args.again and way != "cli":
                keys += tuple(f"again_{key}" for key in keys)
            res[way] = {side: {**{key: _median(r, key) for key in keys}, "runs": r}
                        for side, r in runs.items()}
        out[case] = {"preset": name, "dataset": dataset, "epochs": epochs,
                     "load": round(load, 2), "load_after": round(os.getloadavg()[0], 2), **res}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
