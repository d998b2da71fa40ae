"""Export as Python: the script builds the app's exact network, loads the same data, and trains."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nngui.core.data.datasets import dataset_names, entry, load_dataset, load_mnist
from nngui.core.data.script_loaders import read_mnist
from nngui.core.files.python_export import data_code, export_python, function_sources, write_python
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig
from nngui.core.training.presets import PRESETS, get_preset

REPO = Path(__file__).resolve().parents[3]


def run_script(script: Path, *args: str, env: dict | None = None) -> dict:
    """Run an exported script; returns its --dump JSON."""
    dump = script.with_suffix(".json")
    out = subprocess.run([sys.executable, str(script), *args, "--dump", str(dump)],
                         capture_output=True, text=True, cwd=script.parent,
                         env={**os.environ, **(env or {})}, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return json.loads(dump.read_text())


def app_model(spec: NetworkSpec, seed: int | None):
    from nngui.core.model.builder import build_model, make_optimizer

    return build_model(spec, seed), make_optimizer(spec)


def layers_of(model_config: dict) -> list[tuple[str, dict]]:
    """(class, config) per layer, without the names Keras numbers per session."""
    return [(lay["class_name"], {k: v for k, v in lay["config"].items() if k != "name"})
            for lay in model_config["config"]["layers"]]


def assert_same_network(dump: dict, spec: NetworkSpec, seed: int | None = 0) -> None:
    model, optimizer = app_model(spec, seed)
    assert dump["params"] == model.count_params()
    assert layers_of(dump["model"]) == layers_of(json.loads(model.to_json()))
    theirs = {k: v for k, v in dump["optimizer"].items() if k != "name"}
    ours = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    assert json.loads(json.dumps(ours, default=str)) == theirs


def app_history(spec: NetworkSpec, cfg: TrainConfig, dataset: str, limit: int = 0) -> dict:
    """What the app's own training logs for the same run."""
    from nngui.core.data.adapt import prepare
    from nngui.core.model.builder import build_model
    from nngui.core.training.train import train

    data = prepare(load_dataset(dataset), spec)
    if limit:
        data.x_train, data.y_train = data.x_train[:limit], data.y_train[:limit]
    return train(build_model(spec, cfg.seed), data, spec, cfg).history


def test_toy_script_trains_exactly_like_the_app(tmp_path: Path) -> None:
    """Same layers, optimizer, data, seed: the script's losses are the app's losses."""
    preset = get_preset("mlp-2-4-2")
    spec, cfg = preset.spec(), dataclasses.replace(preset.train_config(), epochs=3)
    script = write_python(tmp_path / "circles.py", export_python(spec, cfg, "circles"))
    dump = run_script(script, "--epochs", "3", "--limit", "400")
    assert_same_network(dump, spec)
    loss = dump["history"]["loss"]
    assert loss[-1] < loss[0]  # it learns
    ours = app_history(spec, cfg, "circles", 400)
    np.testing.assert_allclose(loss, ours["loss"], rtol=1e-4)
    np.testing.assert_allclose(dump["history"]["val_accuracy"], ours["val_accuracy"], rtol=1e-4)


def test_mnist_script_reads_the_apps_file_and_learns(tmp_path: Path, mnist_path: Path) -> None:
    preset = get_preset("mnist-784-20-10")
    spec, cfg = preset.spec(), preset.train_config()
    script = write_python(tmp_path / "mnist.py", export_python(spec, cfg, "mnist", mnist_path))
    assert repr(str(mnist_path.absolute())) in script.read_text()
    # HOME elsewhere: falling back to keras.datasets would try to download and fail
    dump = run_script(script, "--epochs", "2", "--limit", "3000", env={"HOME": str(tmp_path)})
    assert_same_network(dump, spec)
    assert dump["history"]["loss"][1] < dump["history"]["loss"][0]
    assert (tmp_path / "mnist_784_20_10.keras").is_file()


def test_sse_leaky_relu_initializers_and_sgd_settings_are_exact(tmp_path: Path) -> None:
    spec = NetworkSpec((3,), [
        LayerSpec("Dense", {"units": 5, "activation": "leaky_relu", "alpha": 0.1,
                            "kernel_initializer": "uniform", "use_bias": False}),
        LayerSpec("Dropout", {"rate": 0.25}),
        LayerSpec("Dense", {"units": 4, "activation": "tanh", "kernel_initializer": "normal"}),
        LayerSpec("Activation", {"activation": "leaky_relu", "alpha": 0.05}),
        LayerSpec("Dense", {"units": 1, "activation": "sigmoid",
                            "kernel_initializer": "he_normal"}),
    ], "sse", "sgd", 0.3, optimizer_params={"momentum": 0.5, "nesterov": True}, name="odd")
    cfg = TrainConfig(epochs=40, batch_size=4, validation_split=0.0, seed=3)
    text = export_python(spec, cfg, "xor")
    assert "class SumSquaredError" in text and "nesterov=True" in text
    assert "learning_rate=0.3," in text  # not 0.30000001192092896
    dump = run_script(write_python(tmp_path / "odd.py", text))
    assert_same_network(dump, spec, seed=3)
    assert dump["history"]["loss"][-1] < dump["history"]["loss"][0]
    np.testing.assert_allclose(dump["history"]["loss"], app_history(spec, cfg, "xor")["loss"],
                               rtol=1e-4)  # the SSE sums over the batch, as the app's does


@pytest.mark.parametrize("name", dataset_names())
@pytest.mark.parametrize("seed", [0, 7])
def test_every_data_set_a_script_loads_is_the_apps_data(name: str, seed: int, request,
                                                        tmp_path: Path) -> None:
    """For every registry entry: the script's data code, run with nothing but NumPy and os,
    gives the arrays the app loads (MNIST and CIFAR-10 as their files hold them, pixels
    0..255)."""
    data = entry(name)
    path = None
    if name == "cifar10":  # CIFAR-10: a small archive in the binary format
        from cifar_archives import archive_bytes

        path = tmp_path / "cifar-10-binary.tar.gz"
        path.write_bytes(archive_bytes()[0])
    elif data.reads_file:  # MNIST: a small mnist.npz cut from the real one
        path = tmp_path / "mnist.npz"
        with np.load(request.getfixturevalue("mnist_path")) as f:
            np.savez(path, **{k: f[k][:50] for k in ("x_train", "y_train", "x_test", "y_test")})
    constant = data.script_constant(path) if data.script_constant else ""
    ns = {"np": np, "os": os, "DATA_SEED": seed}
    exec(compile(constant + data_code(data), name, "exec"), ns)
    (x_tr, y_tr), (x_te, y_te) = ns["load_data"]()
    if data.pixels_255:  # as the file holds them: uint8 pixels and labels (the app's on load)
        x_tr, x_te = x_tr / np.float32(255), x_te / np.float32(255)
        y_tr, y_te = y_tr.astype(np.int64), y_te.astype(np.int64)
    ds = load_dataset(name, path, seed=seed)
    for got, want in ((x_tr, ds.x_train), (y_tr, ds.y_train), (x_te, ds.x_test),
                      (y_te, ds.y_test)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


PREPARED = [("mlp-2-4-2", "circles"), ("xor-3-4-1", "xor"), ("mnist-784-20-10", "digits"),
            ("regression-1-32-32-1", "regression"), ("perceptron-lifted", "circles"),
            ("ae-2d", "digits"), ("mnist-cnn", "mnist")]


@pytest.mark.parametrize("preset, name", PREPARED)
def test_the_script_prepares_the_arrays_the_app_trains_on(preset: str, name: str, request,
                                                          tmp_path: Path) -> None:
    """Reshaped, scaled, lifted inputs and targets encoded by the app's own function: the
    script's prepare() gives what adapt.prepare gives, for every kind of target."""
    from nngui.core.data.adapt import prepare, target_encoder

    spec = get_preset(preset).spec()
    path = None
    if entry(name).reads_file:
        path = tmp_path / "mnist.npz"
        with np.load(request.getfixturevalue("mnist_path")) as f:
            np.savez(path, **{k: f[k][:50] for k in ("x_train", "y_train", "x_test", "y_test")})
    text = export_python(spec, TrainConfig(), name, path)
    ns: dict = {"__name__": "exported"}
    exec(compile(text, preset, "exec"), ns)
    (x_tr, y_tr), (x_te, y_te) = ns["prepare"](*ns["load_data"]())
    data = load_dataset(name, path)
    want = prepare(data, spec)
    encode = target_encoder(spec, data.task)  # the very function the app encoded with
    assert encode is None or f"y_train = {encode.__name__}(y_train, NUM_CLASSES)" in text
    for got, app in ((x_tr, want.x_train), (y_tr, want.y_train), (x_te, want.x_test),
                     (y_te, want.y_test)):
        assert got.dtype == app.dtype and got.shape == app.shape
        np.testing.assert_array_equal(got, app)


def test_the_prepare_cases_cover_every_kind_of_target() -> None:
    from nngui.core.data import adapt

    kinds = {adapt.target_encoder(get_preset(p).spec(), entry(n).task) for p, n in PREPARED}
    assert kinds == {None, adapt.integer_labels, adapt.one_column, adapt.one_hot,
                     adapt.real_targets}


def _helper(x):
    return x + 1


def _calls_a_helper(x):
    return [_helper(v) for v in range(x)]  # called inside a comprehension


def _uses_path():
    return Path("x").name.__class__.__name__  # attributes that share a global's name are fine


def test_a_script_copies_the_functions_a_loader_calls_and_nothing_it_lacks() -> None:
    text = function_sources(_calls_a_helper)
    assert text.index("def _helper") < text.index("def _calls_a_helper")
    ns: dict = {}
    exec(text, ns)
    assert ns["_calls_a_helper"](3) == [1, 2, 3]
    with pytest.raises(SpecError, match="uses Path, which an exported script does not have"):
        function_sources(_uses_path)


def test_mnist_loader_order_argument_then_env_then_written_path(tmp_path: Path,
                                                                mnist_path: Path,
                                                                monkeypatch) -> None:
    small = tmp_path / "small.npz"
    with np.load(mnist_path) as f:
        np.savez(small, **{k: f[k][:50] for k in ("x_train", "y_train", "x_test", "y_test")})
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    (x, y), _ = read_mnist(None, str(mnist_path))
    np.testing.assert_array_equal(x / np.float32(255), load_mnist(mnist_path).x_train)
    monkeypatch.setenv("NNGUI_MNIST", str(small))
    assert len(read_mnist(None, str(mnist_path))[0][0]) == 50
    monkeypatch.setenv("NNGUI_MNIST", str(tmp_path / "missing.npz"))
    assert len(read_mnist(str(small), str(mnist_path))[0][0]) == 50
    with pytest.raises(SystemExit, match="missing.npz does not exist: check --data"):
        read_mnist(str(tmp_path / "missing.npz"))  # a path given is never a download


def test_an_offline_mnist_script_says_so_in_one_line(tmp_path: Path) -> None:
    """No file and no network: one line on stderr, no traceback (nothing is downloaded)."""
    preset = get_preset("mnist-784-20-10")
    script = write_python(tmp_path / "offline.py",
                          export_python(preset.spec(), preset.train_config(), "mnist", None))
    env = {k: v for k, v in os.environ.items() if k != "NNGUI_MNIST"}
    env.update(HOME=str(tmp_path), KERAS_HOME=str(tmp_path / "keras"),
               https_proxy="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9",
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    out = subprocess.run([sys.executable, str(script), "--epochs", "1"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "--data PATH or NNGUI_MNIST=PATH" in out.stderr.strip().splitlines()[-1]


_BUILD_ALL = textwrap.dedent("""
    import runpy, sys
    for script in sys.argv[1:]:
        sys.argv = [script, "--no-train", "--limit", "8", "--dump", script[:-3] + ".json"]
        runpy.run_path(script, run_name="__main__")
""")


def test_every_preset_exports_valid_python_that_builds_and_compiles(tmp_path: Path,
                                                                    mnist_path: Path) -> None:
    cifar = tmp_path / "cifar.npz"
    rng = np.random.default_rng(0)
    np.savez(cifar, x_train=rng.random((8, 3072), dtype=np.float32),
             y_train=np.arange(8) % 10)
    cifar10 = tmp_path / "cifar10.npz"  # Keras' layout, as the Data list's CIFAR-10 keeps it
    np.savez(cifar10, x_train=rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8),
             y_train=np.arange(8).reshape(8, 1) % 10,
             x_test=rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8),
             y_test=np.arange(4).reshape(4, 1))
    files = {"file": cifar, "cifar10": cifar10, "mnist": mnist_path}
    scripts = []
    for name, preset in PRESETS.items():
        data = files.get(preset.dataset)
        text = export_python(preset.spec(), preset.train_config(), preset.dataset, data)
        ast.parse(text)
        scripts.append(write_python(tmp_path / f"{name.replace('-', '_')}.py", text))
    out = subprocess.run([sys.executable, "-c", _BUILD_ALL, *map(str, scripts)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    for (name, preset), script in zip(PRESETS.items(), scripts, strict=True):
        dump = json.loads(script.with_suffix(".json").read_text())
        spec = preset.spec()
        assert dump["params"] == preset_params(spec), name
        assert_same_network(dump, spec, preset.train_config().seed)


def preset_params(spec: NetworkSpec) -> int:
    from nngui.core.network.shapes import total_params

    return total_params(spec)


def test_bad_requests_are_messages(tmp_path: Path) -> None:
    spec, cfg = get_preset("xor-3-4-1").spec(), TrainConfig()
    with pytest.raises(SpecError, match="data set"):
        export_python(spec, cfg, "imagenet")
    with pytest.raises(SpecError, match="--data"):
        export_python(spec, cfg, "file")
    with pytest.raises(SpecError, match=r"\.py"):
        write_python(tmp_path / "x.txt", "print(1)")


# ---- property: for any network the builder can make, the script makes the same one ---------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nngui.core.network import catalog  # noqa: E402

_acts = st.sampled_from(list(catalog.ACTIVATIONS))
_inits = st.sampled_from(list(catalog.INITIALIZERS))
_alpha = st.floats(0.0, 1.0, allow_nan=False).map(lambda a: round(a, 3))
_penalty = st.one_of(st.just(0.0), st.floats(1e-5, 0.5).map(lambda v: float(f"{v:.3g}")))


@st.composite
def dense_layers(draw):
    return LayerSpec("Dense", {"units": draw(st.integers(1, 9)), "activation": draw(_acts),
                               "alpha": draw(_alpha), "kernel_initializer": draw(_inits),
                               "use_bias": draw(st.booleans()), "l1": draw(_penalty),
                               "l2": draw(_penalty)})


@st.composite
def specs(draw):
    """Random dense or conv stacks with any activation, initializer, bias, optimizer, loss."""
    if draw(st.booleans()):
        layers = [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
                  LayerSpec("Conv2D", {"filters": draw(st.integers(1, 4)),
                                       "kernel_size": draw(st.integers(1, 5)),
                                       "strides": draw(st.integers(1, 2)),
                                       "padding": draw(st.sampled_from(["valid", "same"])),
                                       "activation": draw(_acts), "alpha": draw(_alpha),
                                       "kernel_initializer": draw(_inits),
                                       "use_bias": draw(st.booleans()),
                                       "l2": draw(_penalty)}),
                  LayerSpec("MaxPooling2D", {"pool_size": draw(st.integers(1, 3)),
                                             "padding": "same"}),
                  LayerSpec("Flatten")]
        shape = (28, 28)
    else:
        layers, shape = [], (draw(st.integers(1, 6)),)
    for _ in range(draw(st.integers(0, 3))):
        layers.append(draw(st.one_of(
            dense_layers(),
            st.builds(lambda r: LayerSpec("Dropout", {"rate": r}),
                      st.floats(0.0, 0.9).map(lambda r: round(r, 2))),
            st.builds(lambda a, al: LayerSpec("Activation", {"activation": a, "alpha": al}),
                      _acts, _alpha),
            st.builds(lambda s: LayerSpec("GaussianNoise", {"stddev": s}),
                      st.floats(0.0, 1.0).map(lambda s: round(s, 2))))))  # Keras: σ ≤ 1
    layers.append(draw(dense_layers()))
    optimizer = draw(st.sampled_from(list(catalog.OPTIMIZERS)))
    params = {"momentum": round(draw(st.floats(0.0, 0.99)), 3),
              "nesterov": draw(st.booleans())} if optimizer == "sgd" else {}
    params["decay"] = draw(st.sampled_from([0.0, 1e-6, 0.01]))
    lr = draw(st.one_of(st.none(), st.floats(1e-5, 2.0).map(lambda v: float(f"{v:.3g}"))))
    return NetworkSpec(shape, layers, draw(st.sampled_from(["mse", "sse", "mae", "hinge"])),
                       optimizer, lr, optimizer_params=params, name="random_net")


def _script_network(text: str):
    """build_model() and the compile() optimizer of an exported script, run in this process."""
    ns: dict = {"__name__": "exported"}
    exec(compile(text, "exported.py", "exec"), ns)
    call = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)
                and getattr(n.func, "attr", "") == "compile")
    opt = next(k.value for k in call.keywords if k.arg == "optimizer")
    return ns["build_model"](), eval(compile(ast.Expression(opt), "opt", "eval"), ns)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_any_network_exports_to_the_same_keras_model(spec: NetworkSpec) -> None:
    from nngui.core.model.builder import build_model, make_optimizer

    model, optimizer = _script_network(export_python(spec, TrainConfig(), "moons"))
    ours = build_model(spec, None)
    assert model.count_params() == ours.count_params()
    assert layers_of(json.loads(model.to_json())) == layers_of(json.loads(ours.to_json()))
    drop_name = lambda c: {k: v for k, v in c.items() if k != "name"}  # noqa: E731
    assert drop_name(optimizer.get_config()) == drop_name(make_optimizer(spec).get_config())


@pytest.mark.parametrize("text", [
    "width,height,label\n" + "".join(f"{i % 7}.5,{i * 0.25},{'cat' if i % 3 else 'dog'}\n"
                                     for i in range(40)),
    "".join(f"{i};{i % 5};{i % 2}\n" for i in range(30)),  # no header, ';', label last
    "y,a,b\n" + "".join(f"{i * 0.37},{i},{i % 4}\n" for i in range(25)),  # regression in col 1
])
def test_the_script_reads_a_csv_exactly_as_the_app_does(tmp_path: Path, text: str) -> None:
    import runpy

    from nngui.core.data.files import load_user_file

    data = tmp_path / "mine.csv"
    data.write_text(text)
    ds = load_user_file(data)
    spec = NetworkSpec((ds.x_train.shape[1],), [LayerSpec("Dense", {
        "units": max(ds.num_classes, 1), "activation": "softmax" if ds.num_classes else
        "linear"})], "categorical_crossentropy" if ds.num_classes else "mse", "adam", 0.01,
        kind="classifier" if ds.num_classes else "regressor")
    script = tmp_path / "mine.py"
    write_python(script, export_python(spec, TrainConfig(epochs=1), "file", data))
    module = runpy.run_path(str(script), run_name="exported")
    (x_train, y_train), (x_test, y_test) = module["load_data"]()
    for got, want in ((x_train, ds.x_train), (y_train, ds.y_train), (x_test, ds.x_test),
                      (y_test, ds.y_test)):
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_the_scripts_batches_are_the_apps_from_the_same_pipeline() -> None:
    """The script's shuffled_batches: the app's order every epoch, and its pipeline options."""
    from nngui.core.training.pipeline import epoch_batches

    preset = PRESETS["xor-3-4-1"]
    text = export_python(preset.spec(), preset.train_config(), preset.dataset, None)
    assert ")         ." not in text  # a line continuation in the template joined two lines
    tree = ast.parse(text)
    fn = next(node for node in tree.body
              if isinstance(node, ast.FunctionDef) and node.name == "shuffled_batches")
    namespace: dict = {"BATCH_SIZE": 8}
    exec(compile(ast.Module([fn], []), "script", "exec"), namespace)  # noqa: S102
    x = np.arange(40, dtype=np.float32)[:, None]
    y = np.arange(40)
    ours, theirs = epoch_batches(x, y, 8, 5), namespace["shuffled_batches"](x, y, 5)
    for _ in range(2):  # two epochs: each a new order, the same on both sides
        assert [b.numpy().tolist() for _, b in ours] == [b.numpy().tolist() for _, b in theirs]
    for options in (ours.options(), theirs.options()):
        assert options.autotune.enabled is False
        assert options.threading.private_threadpool_size == 1
