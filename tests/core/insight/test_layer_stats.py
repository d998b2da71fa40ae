"""Weight histograms, gradient norms, the test curve, layer maps and one sample's path
equal what Keras computes."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.insight.layer_stats import (
    EvalSubsetProbe,
    WeightStatsProbe,
    fixed_histogram,
    histogram_edges,
    stats_probes,
)
from nngui.core.insight.representations import layer_choices, layer_map, pca_2d, probe_sample
from nngui.core.model.builder import build_model
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform.runtime import keras
from nngui.core.training.observer import Observer
from nngui.core.training.presets import _dense
from nngui.core.training.train import train


def _net(hidden, inputs=2, out=2, act="tanh", lr=0.05):
    layers = [_dense(u, act) for u in hidden] + [_dense(out, "softmax")]
    return NetworkSpec((inputs,), layers, "sparse_categorical_crossentropy", "adam", lr)


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=finite), st.integers(2, 50),
       st.floats(0.01, 100))
def test_fixed_histogram_keeps_every_value_and_matches_numpy_inside(values, bins, top):
    edges = np.linspace(-top, top, bins + 1)
    counts = fixed_histogram(values, edges)
    assert counts.sum() == values.size  # outliers land in the end bins, none are lost
    inside = values[(values >= -top) & (values <= top)]
    ref = np.histogram(inside, bins=edges)[0]
    below, above = np.sum(values < -top), np.sum(values > top)
    np.testing.assert_array_equal(counts[1:-1], ref[1:-1])
    assert counts[0] == ref[0] + below and counts[-1] == ref[-1] + above


def test_histogram_edges_cover_the_weights_with_room():
    edges = histogram_edges(np.array([-0.2, 0.1, 0.4]), 8)
    assert len(edges) == 9 and edges[0] == pytest.approx(-0.6) and edges[-1] == pytest.approx(0.6)


def test_weight_histograms_are_the_layers_weights(moons):
    model = build_model(_net([5, 3]), 0)
    probe = WeightStatsProbe(moons.x_train[:16], moons.y_train[:16])
    out = probe(model)
    assert out["layers"] == [layer.name for layer in model.layers]
    for layer, edges, counts in zip(model.layers, out["edges"], out["counts"], strict=True):
        values = np.concatenate([w.ravel() for w in layer.get_weights()])
        np.testing.assert_array_equal(counts, np.histogram(values, bins=edges)[0])
    first = [e.copy() for e in out["edges"]]
    model.layers[0].set_weights([w * 10 for w in model.layers[0].get_weights()])
    again = probe(model)  # the bins stay those of the first epoch; the counts still add up
    for a, b in zip(first, again["edges"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert again["counts"][0].sum() == sum(w.size for w in model.layers[0].get_weights())


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 1000), st.integers(2, 24))
def test_gradient_norm_is_the_step_keras_takes(seed, batch):
    # plain SGD moves each weight by lr * gradient: ||step|| / lr is the layer's gradient norm
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, 3)).astype(np.float32)
    y = rng.integers(0, 3, batch)
    model = build_model(_net([4], inputs=3, out=3), seed)
    model.compile(optimizer=keras().optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    norms = WeightStatsProbe(x, y)(model)["grad_norms"]
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y)
    after = model.get_weights()
    steps = [np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(after[i:i + 2], before[i:i + 2],
                                                               strict=True))) / 0.1
             for i in (0, 2)]
    np.testing.assert_allclose(norms, steps, rtol=2e-3, atol=1e-6)


class _Rec(Observer):
    def __init__(self):
        self.probes = []

    def on_probe(self, name, epoch, payload):
        self.probes.append((name, epoch, threading.get_ident(), payload))


def test_test_curve_is_keras_evaluate_on_the_subset_in_the_training_thread(moons):
    spec = _net([6])
    data = prepare(moons, spec)
    probes = stats_probes(data.x_train, data.y_train, data.x_test, data.y_test)
    assert [p.name for p in probes] == ["weight_stats", "test_curve"]
    curve = probes[1]
    assert len(curve.x) == min(2000, len(data.x_test)) and curve.total == len(data.x_test)
    model = build_model(spec, 0)
    rec, box = _Rec(), {}

    def work():
        box["ident"] = threading.get_ident()
        train(model, data, spec, TrainConfig(epochs=2, batch_size=64), rec, probes=probes)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert {(n, e) for n, e, _, _ in rec.probes} == {
        (n, e) for n in ("weight_stats", "test_curve") for e in (0, 1)}
    assert {t for _, _, t, _ in rec.probes} == {box["ident"]} != {threading.get_ident()}
    last = [p for n, e, _, p in rec.probes if n == "test_curve"][-1]
    ref = model.evaluate(curve.x, curve.y, verbose=0, return_dict=True)
    assert set(last["logs"]) == set(ref)
    for key, value in ref.items():
        assert last["logs"][key] == pytest.approx(float(value), rel=1e-5)
    stats = [p for n, e, _, p in rec.probes if n == "weight_stats"]
    assert all(np.all(np.isfinite(s["grad_norms"])) and len(s["grad_norms"]) == 2 for s in stats)


def test_test_curve_probe_alone_counts_its_subset(moons):
    model = build_model(_net([3]), 0)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = EvalSubsetProbe(moons.x_test[:40], moons.y_test[:40], 400)(model)
    assert (out["n"], out["total"]) == (40, 400)
    acc = np.mean(np.asarray(model.predict(moons.x_test[:40], verbose=0)).argmax(1)
                  == moons.y_test[:40])
    assert out["logs"]["accuracy"] == pytest.approx(acc)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 40), st.integers(1, 8)),
              elements=st.floats(-10, 10, allow_nan=False)))
def test_pca_keeps_the_most_variance_of_any_plane(h):
    coords = pca_2d(h)
    centred = h - h.mean(0)
    assert coords.shape == (len(h), 2)
    # the PCA plane keeps the top two eigenvalues of the covariance (sum of its variances)
    top = np.sort(np.linalg.eigvalsh(centred.T @ centred))[::-1][:2].sum()
    assert np.sum(coords ** 2) == pytest.approx(top, rel=1e-6, abs=1e-6)


def test_layer_map_projects_that_layers_output(moons):
    model = build_model(_net([8, 5]), 3)
    x = moons.x_test[:80]
    choices = layer_choices(model)
    assert [(c.index, c.units) for c in choices] == [(0, 8), (1, 5), (2, 2)]
    out = layer_map(model, x, 1)  # the second hidden layer, not the first
    assert (out["layer"], out["units"]) == (model.layers[1].name, 5)
    sub = keras().Model(model.inputs, model.layers[1].output)
    np.testing.assert_allclose(out["coords"], pca_2d(sub.predict(x, verbose=0)), atol=1e-4)
    tsne = layer_map(model, x[:40], 1, "tsne")
    assert tsne["coords"].shape == (40, 2) and tsne["method"] == "tsne"
    with pytest.raises(ValueError):
        layer_map(model, x, 0, "umap")


def test_probe_sample_is_the_models_prediction_and_its_hidden_layers(moons):
    model = build_model(_net([6, 4]), 1)
    x = moons.x_test[7]
    out = probe_sample(model, x)
    np.testing.assert_allclose(out["probs"], model.predict(x[None], verbose=0)[0], atol=1e-6)
    assert [(n, len(a)) for n, a in out["hidden"]] == [(model.layers[0].name, 6),
                                                      (model.layers[1].name, 4)]
    sub = keras().Model(model.inputs, model.layers[1].output)
    np.testing.assert_allclose(out["hidden"][1][1], sub.predict(x[None], verbose=0)[0],
                               atol=1e-6)


def test_weight_stats_never_end_a_run_when_the_gradient_cannot_be_taken(moons):
    model = build_model(_net([3]), 0)
    model.compile(loss="categorical_crossentropy")  # wants one-hot labels; these are not
    out = WeightStatsProbe(moons.x_train[:8], moons.y_train[:8])(model)
    assert len(out["counts"]) == 2 and all(np.isnan(out["grad_norms"]))


LOSSES = {  # loss, output units and activation, labels from integers
    "sparse": ("sparse_categorical_crossentropy", 3, "softmax", lambda c: c),
    "onehot": ("categorical_crossentropy", 3, "softmax",
               lambda c: np.eye(3, dtype=np.float32)[c]),
    "binary": ("binary_crossentropy", 1, "sigmoid",
               lambda c: (c > 0).astype(np.float32)[:, None]),
    "mse": ("mse", 3, "linear", lambda c: np.eye(3, dtype=np.float32)[c] * 2 - 1),
}


def _tape_norms(model, x, y):
    """Keras' own gradient of the compiled loss, per weighted layer (the reference)."""
    import tensorflow as tf

    layers = [(layer.name, layer.trainable_weights) for layer in model.layers
              if layer.trainable_weights]
    with tf.GradientTape() as tape:
        pred = model(tf.convert_to_tensor(x), training=False)
        loss = model.compute_loss(x=x, y=tf.convert_to_tensor(y), y_pred=pred, training=False)
    grads = tape.gradient(loss, [v for _, vs in layers for v in vs])
    out, i = [], 0
    for _, vs in layers:
        out.append(float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads[i:i + len(vs)]))))
        i += len(vs)
    return out


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(sorted(LOSSES)), st.lists(st.sampled_from(["tanh", "relu", "sigmoid"]),
                                                 min_size=1, max_size=2),
       st.integers(1, 20), st.integers(0, 1000))
def test_gradient_norms_in_numpy_are_keras_gradients(loss, acts, batch, seed):
    """A dense network's norms come from NumPy (no eager tape: ~0.1-0.3 s a call under load)
    and equal Keras' gradient of its compiled loss."""
    from nngui.core.insight.layer_stats import gradient_norms, numpy_gradients

    name, units, out_act, labels = LOSSES[loss]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, 3)).astype(np.float32)
    y = labels(rng.integers(0, 3, batch))
    layers = [_dense(4, a) for a in acts] + [_dense(units, out_act)]
    spec = NetworkSpec((3,), layers, name, "adam", 0.01,
                       kind="regressor" if loss == "mse" else "classifier")
    model = build_model(spec, seed)
    from nngui.core.model.builder import compile_model

    compile_model(model, spec)
    assert numpy_gradients(model, x, y) is not None  # the NumPy route is the one taken
    np.testing.assert_allclose(gradient_norms(model, x, y), _tape_norms(model, x, y),
                               rtol=1e-4, atol=1e-6)


def test_a_network_numpy_does_not_train_gets_the_tape():
    from nngui.core.insight.layer_stats import gradient_norms, numpy_gradients

    k = keras()
    model = k.Sequential([k.Input((3,)), k.layers.Dense(4, activation="relu"),
                          k.layers.Dropout(0.5), k.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype(np.float32), rng.integers(0, 3, 8)
    assert numpy_gradients(model, x, y) is None
    np.testing.assert_allclose(gradient_norms(model, x, y), _tape_norms(model, x, y), rtol=1e-5)
