"""Device choice: GPU when TensorFlow sees one, otherwise a silent CPU fallback."""

import numpy as np

from nngui.core.model.builder import build_model, compile_model
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.platform import runtime


def test_gpu_request_falls_back_to_cpu_when_none_is_visible(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    assert runtime.resolve_device("gpu") == "cpu"
    assert runtime.resolve_device("auto") == "cpu"
    assert runtime.describe_device("gpu") == "CPU"
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})], "mse")
    with runtime.device_scope("gpu") as dev:
        model = compile_model(build_model(spec, 0), spec)
        model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert dev == "cpu"


def test_device_text_names_the_gpu(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: ["NVIDIA H100"])
    assert runtime.resolve_device("auto") == "gpu"
    assert runtime.describe_device() == "GPU: NVIDIA H100"
    assert runtime.resolve_device("cpu") == "cpu"
