"""TensorFlow on demand: the one lazy import, device discovery and device scopes.

Importing TensorFlow takes seconds, so nothing in nngui.core imports it at module level;
everything that needs it calls ``tf()`` / ``keras()`` here.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.abc
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C++ start-up chatter (CUDA probing, oneDNN notices) written straight to fd 2."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _NoSklearnHere(importlib.abc.MetaPathFinder):
    """Refuses scikit-learn to one thread: the one importing TensorFlow.

    ``import tensorflow`` imports Keras' scikit-learn wrappers, which import scikit-learn and
    SciPy's statistics when they are installed (they are, for t-SNE): ~0.5 s of every start.
    Those wrappers guard the import and nngui never uses them. Other threads, and this one
    after the import, get scikit-learn as usual.
    """

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] == "sklearn" and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{name} is not needed while TensorFlow loads", name=name)
        return None


@contextlib.contextmanager
def _without_sklearn() -> Iterator[None]:
    finder = _NoSklearnHere()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection during the import, and none over its objects afterwards.

    The import makes ~400,000 objects that live as long as the process and hardly any
    garbage, yet the collector ran ~660 times over them (0.4-0.5 s of the import), and once
    more over all of them when switched back on. They are frozen (``gc.freeze``) instead.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_on:
            gc.enable()


_tf: Any = None
_importer: threading.Thread | None = None


def tf() -> Any:
    """Import TensorFlow once (quietly) and return the module."""
    global _tf
    with _lock:
        if _tf is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            with _quiet_stderr(), _without_sklearn(), _no_collection():
                import tensorflow

                tensorflow.get_logger().setLevel("ERROR")
                tensorflow.config.list_physical_devices("GPU")  # probes CUDA once, quietly
                from nngui.core.platform.blas import blas_controller

                blas_controller()  # finds the BLAS libraries now (~20 ms), not in a first run
            _tf = tensorflow
        return _tf


def keras() -> Any:
    """Keras 3, with nngui's custom objects (the SSE loss) registered."""
    tf()
    import keras as k

    from nngui.core.platform import keras_objects  # noqa: F401  (registers custom losses for load_model)

    return k


def import_in_background() -> None:
    """Start importing TensorFlow and Keras in a daemon thread, to overlap other work.

    The import silences file descriptor 2 while it runs (TensorFlow's C++ start-up chatter),
    so whoever writes to stderr meanwhile calls ``settle()`` first.
    """
    global _importer
    if _tf is None and _importer is None:
        _importer = threading.Thread(target=_import_quietly, name="nngui-import-tensorflow",
                                     daemon=True)
        _importer.start()


def _import_quietly() -> None:
    try:
        keras()
    except BaseException:  # noqa: BLE001 - the caller's own keras() raises it, with its message
        pass


def settle() -> None:
    """Wait for an import started by ``import_in_background`` (stderr is written again)."""
    if _importer is not None:
        _importer.join()


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can use (empty on CPU-only machines)."""
    try:
        gpus = tf().config.list_physical_devices("GPU")
    except Exception:  # a broken CUDA install must not stop CPU training
        return []
    names = []
    for g in gpus:
        try:
            details = tf().config.experimental.get_device_details(g)
            names.append(details.get("device_name", g.name))
        except Exception:
            names.append(g.name)
    return names


def mirror_devices() -> list[str]:
    """The devices "all GPUs" mirrors training over: every GPU TensorFlow sees."""
    try:
        return [d.name for d in tf().config.list_logical_devices("GPU")]
    except Exception:
        return []


def resolve_device(choice: str) -> str:
    """'auto'/'gpu' -> 'gpu' when one is visible, else 'cpu'; 'all' -> 'all' with >= 2 GPUs.

    'all' falls back to one GPU (or the CPU) where fewer devices are visible.
    """
    if choice == "all":
        if len(mirror_devices()) >= 2:
            return "all"
        choice = "gpu"
    if choice in ("auto", "gpu"):
        return "gpu" if gpu_names() else "cpu"
    return "cpu"


def describe_device(choice: str = "auto") -> str:
    """Status-bar text for the device in use, e.g. 'CPU' or 'GPU: NVIDIA H100'."""
    dev = resolve_device(choice)
    if dev == "all":
        return f"{len(mirror_devices())} GPUs (mirrored)"
    if dev == "gpu":
        return f"GPU: {gpu_names()[0]}"
    return "CPU"


@contextlib.contextmanager
def device_scope(choice: str) -> Iterator[str]:
    """Place variables and ops on the chosen device; yields 'cpu', 'gpu' or 'all'.

    'all' builds and trains under ``tf.distribute.MirroredStrategy``: each GPU holds a copy of
    the weights and takes one slice of every batch (see :func:`replicas`).
    """
    dev = resolve_device(choice)
    if dev == "all":
        with tf().distribute.MirroredStrategy(mirror_devices()).scope():
            yield dev
        return
    with tf().device("/GPU:0" if dev == "gpu" else "/CPU:0"):
        yield dev


def replicas() -> int:
    """How many copies of the model the current scope trains at once (1 outside 'all')."""
    return int(tf().distribute.get_strategy().num_replicas_in_sync)
