"""Export a network as a standalone Keras script in the course's style.

The script is written from the model nngui itself builds (``builder.build_model``): each layer
is emitted as its Keras class with only the arguments that differ from that class's defaults,
read from ``get_config()``. So whatever the builder makes, the script makes the same — layers,
activations, initializers, bias, the optimizer and its settings — without a second table of
layer types here. The data is loaded the way nngui loads it: the script copies the functions
the data set's registry entry names (:mod:`nngui.core.data.datasets`).
"""

from __future__ import annotations

import builtins
import datetime as _dt
import dis
import inspect
import os
import re
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from nngui.core.data.adapt import Encoder, target_encoder
from nngui.core.data.datasets import FILE, DatasetError, Entry, dataset_names, entry
from nngui.core.network.features import describe, python_code
from nngui.core.network.shapes import output_shape, total_params
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig
from nngui.core.platform.codegen import comment, literal

_SKIP_KEYS = {"name", "trainable", "dtype"}
_SSE_CODE = '''

class SumSquaredError(keras.losses.Loss):
    """SSE = sum of (y - y_pred)^2 over the outputs and over the batch (nngui's "sse" loss)."""

    def __init__(self, name="sse", reduction="sum", **kwargs):
        super().__init__(name=name, reduction=reduction, **kwargs)

    def call(self, y_true, y_pred):
        y_true = keras.ops.cast(y_true, y_pred.dtype)
        return keras.ops.sum(keras.ops.square(y_true - y_pred), axis=-1)
'''


def export_python(spec: NetworkSpec, config: TrainConfig, dataset: str,
                  data_path: str | os.PathLike | None = None, data_seed: int = 0,
                  num_classes: int | None = None) -> str:
    """The text of a runnable Keras script that builds, trains, evaluates and saves ``spec``."""
    from nngui.core.model.builder import build_model, make_optimizer

    dataset = dataset.strip().lower()
    try:
        data = entry(dataset)
    except DatasetError:
        raise SpecError(f"Cannot export data set {dataset!r}; choose one of "
                        f"{', '.join([*dataset_names(), FILE.name])}.") from None
    if data is FILE and not data_path:
        raise SpecError("Exporting with your own data file needs its path (--data PATH).")
    encode = target_encoder(spec, _task(spec, data))
    model = build_model(spec, None)
    from nngui.core.model.fast_dropout import fast_dropout, script_code

    dropout = fast_dropout(model.layers) > 0  # nngui trains these with its own mask
    layers = [f"        keras.Input(shape={_value(tuple(spec.model_input_shape))}),"]
    layers += [f"        {layer_code(lay)}," for lay in model.layers]
    optimizer = object_code(make_optimizer(spec), always=("learning_rate",))
    out = output_shape(spec) or spec.input_shape
    units = out[-1]
    classes = num_classes if num_classes is not None else (units if units > 1 else 2)
    values = {
        "title": comment(spec.name), "version": comment(_version()), "date": _dt.date.today().isoformat(),
        "file": f"{re.sub(r'[^A-Za-z0-9_]+', '_', spec.name)}.py",
        "params": f"{total_params(spec):,}", "dataset": comment(dataset),
        "epochs": config.epochs, "batch_size": config.batch_size,
        "validation_split": config.validation_split, "seed": config.seed,
        "data_seed": int(data_seed), "input_shape": _value(tuple(spec.input_shape)),
        "output_shape": _value(tuple(out)), "num_classes": classes,
        "loss_code": (_SSE_CODE if spec.loss == "sse" else "")
        + (python_code(spec.features) if spec.features else "")
        + (_DROPOUT_INTRO + script_code() if dropout else ""),
        "loader": data_code(data) + (f"\n\n\n{function_sources(encode)}" if encode else ""),
        "layers": "\n".join(layers), "name": literal(spec.name), "optimizer": optimizer,
        "loss": "SumSquaredError()" if spec.loss == "sse" else literal(spec.loss),
        "metrics": "['mae']" if spec.kind in ("regressor", "autoencoder") else "['accuracy']",
        "prepare": _prepare_code(spec, encode, data),
        "dropout_call": _DROPOUT_CALL if dropout else "",
        "data_constant": data.script_constant(data_path) if data.script_constant else "",
    }
    return _TEMPLATE.format(**values)


def write_python(path: str | os.PathLike, text: str) -> Path:
    """Save an exported script atomically (a .py file)."""
    from nngui.core.platform.fsio import atomic_write_text

    path = Path(path).expanduser()
    if path.suffix != ".py":
        raise SpecError(f"A Python script ends in .py; {path.name} does not.")
    atomic_write_text(path, text)
    return path


def layer_code(layer: Any) -> str:
    """``keras.layers.Cls(required..., key=value)`` with only the non-default settings."""
    cls = type(layer)
    cfg = layer.get_config()
    required = _required_args(cls)
    default = cls(**{k: cfg[k] for k in required}).get_config()
    args = [_value(cfg[k]) for k in required]
    args += [f"{k}={_value(v)}" for k, v in cfg.items()
             if k not in required and k not in _SKIP_KEYS and default.get(k, v) != v]
    return f"keras.layers.{cls.__name__}({', '.join(args)})"


def object_code(obj: Any, always: tuple[str, ...] = ()) -> str:
    """An optimizer (or other Keras object) as its constructor call, non-default settings only."""
    cls = type(obj)
    cfg = obj.get_config()
    default = cls().get_config()
    args = [f"{k}={_value(v)}" for k, v in cfg.items()
            if k not in _SKIP_KEYS and (k in always or default.get(k, v) != v)]
    module = cls.__module__.split(".")
    kind = module[module.index("src") + 1] if "src" in module else "optimizers"
    return f"keras.{kind}.{cls.__name__}({', '.join(args)})"


def _required_args(cls: type) -> list[str]:
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.name != "self" and p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _value(v: Any) -> str:
    """Python source for a config value; serialised Keras objects become constructor calls."""
    if isinstance(v, dict) and "class_name" in v and "config" in v:
        return _serialized_code(v)
    if isinstance(v, tuple):
        inner = ", ".join(_value(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_value(k)}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return _float_code(v)
    return literal(v)


def _float_code(v: float) -> str:
    """0.1, not 0.10000000149011612, for a value Keras kept as float32 (same float32 either way)."""
    import numpy as np

    if not np.isfinite(v):
        return literal(v)
    short = str(np.float32(v))
    if float(np.float32(v)) == v and float(np.float32(float(short))) == v:
        return literal(float(short))
    return literal(v)


def _serialized_code(d: dict) -> str:
    """'he_normal' when the short name gives exactly this object, else Cls(non-defaults)."""
    from nngui.core.platform.runtime import keras

    k = keras()
    cls_name, module = d["class_name"], str(d.get("module") or "keras")
    if module == "keras.initializers":
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls_name).lower()
        try:
            same = k.saving.serialize_keras_object(k.initializers.get(snake)) == d
        except ValueError:
            same = False
        if same:
            return literal(snake)
    obj = k.saving.deserialize_keras_object(d)
    try:
        default = type(obj)().get_config()
    except TypeError:  # no defaults to leave out (a learning-rate schedule): write them all
        default = {}
    cfg = obj.get_config()
    args = [f"{key}={_value(v)}" for key, v in cfg.items()
            if key not in _SKIP_KEYS and (key not in default or default[key] != v)]
    return f"{module}.{cls_name}({', '.join(args)})"


def data_code(data: Entry) -> str:
    """The script's load_data(path): the registry entry's functions, copied, and its call."""
    verb = "reads" if data.reads_file else "makes"
    return (f"{function_sources(data.script)}\n\n\n"
            f"def load_data(path=None):\n"
            f'    """{comment(data.title)}, as nngui {verb} it."""\n'
            f"    return {data.script_call}")


# The names an exported script imports at its top (see _TEMPLATE)
SCRIPT_GLOBALS = {"argparse", "json", "os", "np", "keras"}


def function_sources(fn: Callable) -> str:
    """The source of ``fn`` after that of the functions of its module it calls (and so on)."""
    order: list[Callable] = []
    seen: set[Callable] = set()

    def visit(f: Callable) -> None:
        seen.add(f)
        for name in sorted(_global_names(f.__code__)):
            value = f.__globals__.get(name)
            if inspect.isfunction(value) and value.__module__ == f.__module__:
                if value not in seen:
                    visit(value)
            elif name not in SCRIPT_GLOBALS and (name in f.__globals__ or
                                                 not hasattr(builtins, name)):
                raise SpecError(f"{f.__module__}.{f.__name__} uses {name}, which an exported "
                                "script does not have; import it inside the function.")
        order.append(f)

    visit(fn)
    return "\n\n\n".join(inspect.getsource(f).rstrip("\n") for f in order)


def _global_names(code: CodeType) -> set[str]:
    """The global names ``code`` (and the comprehensions in it) looks up: not attributes."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _global_names(const)
    return names


def _prepare_code(spec: NetworkSpec, encode: Encoder | None, data: Entry) -> str:
    """Reshape, scale and encode targets the way adapt.prepare does for this spec."""
    scale = " / 255" if data.pixels_255 else ""
    lines = ["    # Reshape the inputs to what the network reads" +
             (" and scale the pixels to [0, 1]" if scale else ""),
             f'    x_train = x_train.reshape((-1, *INPUT_SHAPE)).astype("float32"){scale}',
             f'    x_test = x_test.reshape((-1, *INPUT_SHAPE)).astype("float32"){scale}']
    if spec.features:
        lines += [f"    # The extra inputs (the course's lift): the network reads "
                  f"{describe(spec.features)}",
                  "    x_train, x_test = add_features(x_train), add_features(x_test)"]
    if encode is None:
        lines += ["    # An autoencoder learns to rebuild its input: the targets are the inputs",
                  "    y_train = x_train.reshape((-1, *OUTPUT_SHAPE))",
                  "    y_test = x_test.reshape((-1, *OUTPUT_SHAPE))"]
    else:
        lines += [f"    # The targets the loss and output layer expect ({encode.__name__}, above)",
                  f"    y_train = {encode.__name__}(y_train, NUM_CLASSES)",
                  f"    y_test = {encode.__name__}(y_test, NUM_CLASSES)"]
    return "\n".join(lines)


def _task(spec: NetworkSpec, data: Entry) -> str:
    """The data's task: the entry's, else (a user's file) what the network is built for."""
    return data.task or ("regression" if spec.kind == "regressor" else "classification")


def _version() -> str:
    from nngui import __version__

    return __version__


_DROPOUT_INTRO = '''


# nngui trains Dropout layers with a cheaper random mask than Keras' own (the same in
# distribution); with the same mask here, this script's losses are the app's.
'''
_DROPOUT_CALL = ("\n    fast_dropout(model.layers)  # nngui's dropout mask (above); "
                 "remove for Keras' own")

_TEMPLATE = '''\
"""{title}: a Keras script exported from nngui {version} on {date}.

It builds the same network as nngui ({params} parameters), loads the same data ({dataset}) and
trains it with the same settings, then evaluates it on the test set and saves it. Run it with

    python {file} [--epochs N] [--limit N] [--data PATH] [--out MODEL.keras]
"""

import argparse
import json
import os

import numpy as np
import keras

EPOCHS = {epochs}
BATCH_SIZE = {batch_size}
VALIDATION_SPLIT = {validation_split}
SEED = {seed}  # same initial weights and shuffling on every run; None for a new draw each time
DATA_SEED = {data_seed}  # how the data set was generated / split
INPUT_SHAPE = {input_shape}
OUTPUT_SHAPE = {output_shape}
NUM_CLASSES = {num_classes}
{data_constant}{loss_code}

{loader}


def prepare(train, test):
    """The arrays nngui trains on, made from the loaded ones as nngui makes them."""
    (x_train, y_train), (x_test, y_test) = train, test
{prepare}
    return (x_train, y_train), (x_test, y_test)


def build_model():
    """The network, layer by layer."""
    model = keras.Sequential([
{layers}
    ], name={name})
    return model


def shuffled_batches(x, y, seed):
    """Mini-batches in a new random order every epoch (reproducible with a seed), as nngui
    trains. (model.fit(x, y, shuffle=True) after set_random_seed repeats one order.)"""
    import tensorflow as tf

    order = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed,
                                                   reshuffle_each_iteration=True)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    batches = tf.data.Dataset.zip((order.batch(BATCH_SIZE), data))
    # one pipeline thread, no autotuning: with it, some epochs ran at half speed on 2 cores
    options = tf.data.Options()
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    gathered = batches.map(lambda i, d: (tf.gather(d[0], i), tf.gather(d[1], i)))
    return gathered.prefetch(4).with_options(options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N samples only (a quick try)")
    parser.add_argument("--data", help="the data file to read")
    parser.add_argument("--out", default={name} + ".keras", help="where to save the model")
    parser.add_argument("--dump", help="write the model's config and history here as JSON")
    parser.add_argument("--no-train", action="store_true", help="build and compile only")
    args = parser.parse_args()

    # 1. Load the data and bring it into the form the network reads
    (x_train, y_train), (x_test, y_test) = prepare(*load_data(args.data))
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    print("x_train", x_train.shape, "y_train", y_train.shape)

    # 2. Build the network
    if SEED is not None:
        keras.utils.set_random_seed(SEED)
    model = build_model(){dropout_call}
    model.summary()

    # 3. Compile: optimizer, loss and metrics
    model.compile(optimizer={optimizer},
                  loss={loss},
                  metrics={metrics})
    history = {{}}
    if not args.no_train:
        # 4. Train
        if SEED is not None:
            keras.utils.set_random_seed(SEED)  # dropout and noise draw as in nngui
        n_val = int(len(x_train) * VALIDATION_SPLIT)  # the last samples validate, as in Keras
        n_fit = len(x_train) - n_val
        validation = (x_train[n_fit:], y_train[n_fit:]) if n_val else None
        history = model.fit(shuffled_batches(x_train[:n_fit], y_train[:n_fit], SEED),
                            epochs=args.epochs, validation_data=validation).history

        # 5. Evaluate on the test set
        results = model.evaluate(x_test, y_test, return_dict=True)
        print("test:", ", ".join(f"{{k}} {{v:.4f}}" for k, v in results.items()))

        # 6. Save the trained model
        model.save(args.out)
        print("saved", args.out)
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump({{"model": json.loads(model.to_json()), "params": model.count_params(),
                       "optimizer": model.optimizer.get_config(), "history": history}},
                      f, default=str)


if __name__ == "__main__":
    main()
'''
