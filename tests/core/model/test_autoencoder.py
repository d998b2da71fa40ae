"""Autoencoders: preset sizes, mirroring, encoder/decoder views, projections, a real run."""

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_mnist
from nngui.core.model import autoencoder as ae
from nngui.core.model.builder import build_model
from nngui.core.network.shapes import total_params
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig
from nngui.core.training.train import train

PRESETS = {p["name"]: p for p in ae.AUTOENCODER_PRESETS}


def preset_spec(name: str) -> NetworkSpec:
    return NetworkSpec.from_dict(PRESETS[name]["network"])


def dense_widths(spec: NetworkSpec) -> list[int]:
    return [lay.params["units"] for lay in spec.layers if lay.type == "Dense"]


@pytest.fixture(scope="module")
def small_ae():
    """An untrained 784-16-2-16-784 autoencoder (enough for shapes and equivalences)."""
    spec = ae.autoencoder_spec([16], 2, name="tiny")
    return build_model(spec, 0), spec


@pytest.mark.parametrize("name, params, latent", [
    ("ae-2d", 210_562, 2), ("ae-32d", 222_384, 32), ("ae-denoising", 222_384, 32)])
def test_preset_parameter_counts_match_keras(name, params, latent):
    spec = preset_spec(name)
    assert total_params(spec) == params
    assert build_model(spec, 0).count_params() == params
    assert spec.kind == "autoencoder" and ae.latent_dim(spec) == latent
    assert spec.layers[spec.latent_index].params["units"] == latent
    assert PRESETS[name]["dataset"] == "mnist"
    TrainConfig.from_dict(PRESETS[name]["train"])  # a valid training config


def test_preset_layouts():
    assert dense_widths(preset_spec("ae-2d")) == [128, 32, 8, 2, 8, 32, 128, 784]
    assert dense_widths(preset_spec("ae-32d")) == [128, 64, 32, 64, 128, 784]
    noisy = preset_spec("ae-denoising")
    assert noisy.layers[0].type == "GaussianNoise" and noisy.layers[0].params["stddev"] == 0.3
    assert dense_widths(noisy) == [128, 64, 32, 64, 128, 784]


def test_decoder_mirrors_the_encoder_unless_given():
    spec = ae.autoencoder_spec([100, 50, 20], 5, activation="tanh", loss="binary_crossentropy")
    assert dense_widths(spec) == [100, 50, 20, 5, 20, 50, 100, 784]
    assert spec.latent_index == 3 and spec.loss == "binary_crossentropy"
    acts = [lay.params["activation"] for lay in spec.layers]
    assert acts == ["tanh"] * 3 + ["linear"] + ["tanh"] * 3 + ["sigmoid"]
    custom = ae.autoencoder_spec([100, 50], 5, decoder=[64])
    assert dense_widths(custom) == [100, 50, 5, 64, 784]
    with pytest.raises(SpecError):
        ae.autoencoder_spec([100], 5, loss="categorical_crossentropy")


def test_as_autoencoder_finds_the_bottleneck_of_a_plain_spec():
    plain = preset_spec("ae-2d")
    plain.kind, plain.latent_index = "classifier", None
    marked = ae.as_autoencoder(plain)
    assert marked.kind == "autoencoder" and marked.latent_index == 3


def test_latent_extraction_shapes(small_ae):
    model, spec = small_ae
    x = np.random.default_rng(0).random((37, 28, 28), dtype=np.float32)
    assert ae.encode(model, spec, x).shape == (37, 2)
    assert ae.encoder_model(model, spec)(x.reshape(37, 784)).shape == (37, 2)
    assert ae.decoder_model(model, spec)(np.zeros((3, 2))).shape == (3, 784)
    assert ae.reconstruct(model, x).shape == (37, 28, 28)
    errors = ae.reconstruction_mse(model, x)
    assert errors.shape == (37,) and np.all(errors >= 0)
    worst = ae.worst(model, x, 5, errors)
    assert list(errors[worst]) == sorted(errors, reverse=True)[:5]
    spec32 = preset_spec("ae-32d")
    assert ae.encode(build_model(spec32, 0), spec32, x).shape == (37, 32)


def test_decode_at_a_point_is_a_28x28_image_in_0_1(small_ae):
    model, spec = small_ae
    img = ae.decode(model, spec, np.array([[0.5, -1.0]]))
    assert img.shape == (1, 28, 28)
    assert 0.0 <= img.min() and img.max() <= 1.0


def test_fast_decoder_and_encoder_equal_keras(small_ae):
    model, spec = small_ae
    z = np.random.default_rng(1).normal(size=(20, 2)).astype(np.float32)
    np.testing.assert_allclose(ae.FastDecoder(model, spec)(z), ae.decode(model, spec, z),
                               atol=1e-5)
    assert ae.FastDecoder(model, spec)(z[0]).shape == (28, 28)
    x = np.random.default_rng(2).random((9, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(ae.FastEncoder(model, spec)(x), ae.encode(model, spec, x),
                               atol=1e-4)
    assert ae.FastEncoder(model, spec).one(x[0]).shape == (2,)


def test_fast_decoder_handles_leaky_relu_and_noise_layers():
    spec = ae.autoencoder_spec([32], 4, activation="leaky_relu", noise=0.2)
    model = build_model(spec, 3)
    z = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_allclose(ae.FastDecoder(model, spec)(z), ae.decode(model, spec, z),
                               atol=1e-5)


def test_projections_have_two_columns():
    rng = np.random.default_rng(0)
    z2 = rng.normal(size=(50, 2)).astype(np.float32)
    np.testing.assert_array_equal(ae.project_2d(z2, "tsne"), z2)  # 2-D codes as they are
    z = rng.normal(size=(300, 32)).astype(np.float32)
    p = ae.project_2d(z, "pca")
    assert p.shape == (300, 2)
    basis = ae.PCABasis.fit(z)
    np.testing.assert_allclose(basis.transform(basis.inverse(p)), p, atol=1e-4)
    steps = []
    t = ae.project_2d(z, "tsne", progress=lambda i, n: steps.append((i, n)), max_points=200)
    assert t.shape == (300, 2) and np.isfinite(t).all()
    assert steps[-1] == (4, 4)


def test_pca_finds_the_direction_of_largest_spread():
    rng = np.random.default_rng(0)
    z = np.zeros((400, 8), dtype=np.float32)
    z[:, 5] = rng.normal(scale=10.0, size=400)
    z[:, 2] = rng.normal(scale=1.0, size=400)
    basis = ae.PCABasis.fit(z)
    assert abs(basis.components[0, 5]) > 0.99 and abs(basis.components[1, 2]) > 0.99


def test_one_per_class_and_decode_grid(small_ae):
    y = np.array([3, 1, 1, 0, 2, 9, 4, 5, 6, 7, 8, 0])
    idx = ae.one_per_class(y)
    assert list(y[idx]) == list(range(10)) and idx[1] == 1
    model, spec = small_ae
    grid = ae.decode_grid(model, spec, (-2, 2), (-1, 1), n=5)
    assert grid.shape == (140, 140) and 0.0 <= grid.min() and grid.max() <= 1.0
    # Tile (row 0, column 4) is the top-right cell: the code at its centre (1.6, 0.8).
    np.testing.assert_allclose(grid[:28, 112:140], ae.decode(model, spec, [[1.6, 0.8]])[0],
                               atol=1e-5)


def test_a_short_real_run_lowers_reconstruction_error(mnist_path):
    ds = load_mnist(mnist_path).subset(5000, 1000, seed=0)
    spec = preset_spec("ae-32d")
    data = prepare(ds, spec)
    assert np.array_equal(data.y_train, data.x_train)  # targets are the inputs
    model = build_model(spec, 0)
    before = float(ae.reconstruction_mse(model, ds.x_test).mean())
    result = train(model, data, spec, TrainConfig(epochs=2, batch_size=128,
                                                  validation_split=0.0))
    after = float(ae.reconstruction_mse(model, ds.x_test).mean())
    assert result.reason == "finished"
    assert result.history["loss"][1] < result.history["loss"][0]
    assert after < 0.6 * before and after < 0.07
