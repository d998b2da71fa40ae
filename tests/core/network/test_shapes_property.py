"""Property: for random valid specs, core.network.shapes says what Keras says, layer by layer.

The specs are drawn with Keras' own ``compute_output_shape`` choosing what may follow what, so
the generator does not share the arithmetic under test. Small widths and no compiling keep a
run to a few seconds per dozen examples.
"""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nngui.core.layers.kinds import KINDS
from nngui.core.model.builder import build_model
from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows, total_params
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.platform.runtime import keras

ACTIVATIONS = list(catalog.ACTIVATIONS)
SETTINGS = settings(max_examples=50, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow])


def keras_shape(layer: LayerSpec, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """Keras' output shape for one layer, None where Keras refuses or shrinks to nothing."""
    k = keras()
    built = KINDS[layer.type].build(k, layer.params, (f"probe_{i}" for i in itertools.count()))
    try:
        out = tuple(built[0].compute_output_shape((None, *shape))[1:])
    except Exception:
        return None
    return out if all(v is not None and v > 0 for v in out) else None


@st.composite
def reshape_target(draw, n: int) -> tuple[int, ...]:
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    a = draw(st.sampled_from(divisors))
    rest = [d for d in range(1, n // a + 1) if (n // a) % d == 0]
    b = draw(st.sampled_from(rest))
    return draw(st.sampled_from([(n,), (a, n // a), (a, b, n // a // b)]))


@st.composite
def layer_for(draw, shape: tuple[int, ...]) -> LayerSpec:
    """A layer that nngui allows after ``shape`` (Dense wants vectors, Conv2D images)."""
    act = st.sampled_from(ACTIVATIONS)
    # Weighted towards the kinds with arithmetic; the shape-keeping ones appear once each.
    common = ["Dropout", "Activation", "GaussianNoise", "Flatten"] + ["BatchNormalization",
                                                                        "Reshape"] * 2
    kinds = common + {1: ["Dense"] * 4, 2: ["Reshape"] * 2,
                      3: ["Conv2D"] * 4 + ["MaxPooling2D"] * 3
                      + ["RandomRotation", "RandomTranslation", "RandomZoom"]}[len(shape)]
    kind = draw(st.sampled_from(kinds))
    if kind == "Dense":
        p = {"units": draw(st.integers(1, 8)), "activation": draw(act),
             "use_bias": draw(st.booleans()), "alpha": draw(st.sampled_from([0.1, 0.3]))}
    elif kind == "Conv2D":
        p = {"filters": draw(st.integers(1, 4)), "kernel_size": draw(st.integers(1, 4)),
             "strides": draw(st.integers(1, 3)), "padding": draw(st.sampled_from(["valid", "same"])),
             "activation": draw(act), "use_bias": draw(st.booleans())}
    elif kind == "MaxPooling2D":
        p = {"pool_size": draw(st.integers(1, 3)), "strides": draw(st.integers(0, 3)),
             "padding": draw(st.sampled_from(["valid", "same"]))}
    elif kind == "BatchNormalization":
        p = {"center": draw(st.booleans()), "scale": draw(st.booleans())}
    elif kind == "Reshape":
        p = {"target_shape": draw(reshape_target(math.prod(shape)))}
    elif kind in ("RandomRotation", "RandomZoom"):
        p = {"factor": draw(st.sampled_from([0.0, 0.05, 0.3]))}
    elif kind == "RandomTranslation":
        p = {"height_factor": draw(st.sampled_from([0.0, 0.2])), "width_factor": 0.1}
    elif kind == "Activation":
        p = {"activation": draw(act)}
    else:
        p = {}
    return LayerSpec(kind, p)


def draw_valid_spec(data: st.DataObject) -> NetworkSpec:
    """A random spec Keras accepts; Keras is asked here, in the test, not in a strategy."""
    rank = data.draw(st.sampled_from([1, 2, 3, 3]))
    dims = st.integers(1, 9)
    shape = tuple(data.draw(dims) for _ in range(rank)) if rank < 3 else \
        (data.draw(st.integers(3, 9)), data.draw(st.integers(3, 9)), data.draw(st.integers(1, 3)))
    spec_layers: list[LayerSpec] = []
    current = shape
    for _ in range(data.draw(st.integers(2, 6))):
        layer = data.draw(layer_for(current))
        out = keras_shape(layer, current)
        if out is None:  # e.g. a kernel larger than the image: not a valid spec, skip it
            continue
        spec_layers.append(layer)
        current = out
    if not spec_layers:
        spec_layers.append(LayerSpec("Flatten"))
    event(" ".join(sorted({lay.type for lay in spec_layers})))
    return NetworkSpec(shape, spec_layers, "mse")


@SETTINGS
@given(st.data())
def test_shapes_and_parameter_counts_equal_keras(data):
    spec = draw_valid_spec(data)
    rows = layer_rows(spec)
    assert [r.error for r in rows if r.error] == []
    model = build_model(spec)  # not compiled: shapes and counts need no optimizer
    assert [layer.name for layer in model.layers] == [r.name for r in rows]
    for layer, row in zip(model.layers, rows, strict=True):
        assert tuple(layer.output.shape[1:]) == row.output_shape, (layer.name, spec.to_dict())
        assert layer.count_params() == row.params, (layer.name, spec.to_dict())
        frozen = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
        assert frozen == row.non_trainable, (layer.name, spec.to_dict())
    assert total_params(spec) == model.count_params()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(["Conv2D", "MaxPooling2D"]),
       st.integers(1, 5), st.integers(1, 4), st.sampled_from(["valid", "same"]))
def test_a_window_too_large_is_an_error_exactly_when_keras_refuses(h, w, kind, k, s, padding):
    params = {"filters": 3, "kernel_size": k, "strides": s} if kind == "Conv2D" else \
        {"pool_size": k, "strides": s}
    layer = LayerSpec(kind, {**params, "padding": padding})
    row = layer_rows(NetworkSpec((h, w, 2), [layer]))[0]
    # Made here from the parameters, not by the registry, so a shared helper cannot hide a bug.
    L = keras().layers
    direct = L.Conv2D(3, k, strides=s, padding=padding) if kind == "Conv2D" else \
        L.MaxPooling2D(k, strides=s, padding=padding)
    try:
        ref = tuple(direct.compute_output_shape((None, h, w, 2))[1:])
    except ValueError:
        ref = None
    if ref is not None and min(ref) < 1:
        ref = None
    assert (row.error == "") == (ref is not None), (row.error, ref)
    assert row.output_shape == ref
