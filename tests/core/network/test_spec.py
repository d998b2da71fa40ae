"""Spec validation, JSON round-trip, migration and the Keras-free shape arithmetic."""

import json

import pytest

from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows, total_params
from nngui.core.network.spec import (
    SCHEMA_VERSION,
    LayerSpec,
    NetworkSpec,
    SpecError,
    TrainConfig,
    dump_json,
    load_json,
)
from nngui.core.network.validate import DataInfo, check, errors
from nngui.core.platform import migrations
from nngui.core.training import presets

MNIST = DataInfo((28, 28), "classification", 10)


def test_every_preset_round_trips_through_json():
    for p in presets.PRESETS.values():
        spec, cfg = p.spec(), p.train_config()
        spec2, cfg2 = load_json(dump_json(spec, cfg))
        assert spec2.to_dict() == spec.to_dict()
        assert cfg2 == cfg


def test_json_carries_schema_version_and_old_files_migrate():
    doc = json.loads(dump_json(presets.get_preset("xor-3-4-1").spec()))
    assert doc["schema_version"] == SCHEMA_VERSION
    bare = json.dumps(doc["network"])  # version 0: a bare network dict
    spec, cfg = load_json(bare)
    assert [lay.type for lay in spec.layers] == ["Dense", "Dense"]
    assert cfg == TrainConfig()


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_a_schema_0_spec_migrates_to_what_dump_json_writes_today(name):
    spec = presets.PRESETS[name].spec()
    bare = spec.to_dict()  # schema 0: the network dict alone, no schema_version, no train
    assert migrations.migrate("spec", bare, 0) == {"schema_version": SCHEMA_VERSION,
                                                   "network": bare, "train": {}}
    assert dump_json(*load_json(json.dumps(bare))) == dump_json(spec, TrainConfig())


def test_a_spec_from_a_newer_nngui_names_both_schemas():
    with pytest.raises(SpecError, match=rf"^This file was made by a newer nngui \(schema 7\); "
                                        rf"this version reads up to {SCHEMA_VERSION}\. Please "
                                        r"update nngui to open it\.$"):
        load_json('{"schema_version": 7, "network": {}}')


@pytest.mark.parametrize("text, fragment", [
    ("not json", "Not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"schema_version": 99, "network": {}}', "newer nngui"),
    ('{"schema_version": 1, "network": {"layers": []}}', "input_shape is missing"),
    ('{"schema_version": 1, "network": {"input_shape": [2], "layers": [{"type": "Dense", '
     '"params": {"units": 2}}], "loss": "nope"}}', "network.loss: unknown 'nope'"),
    ('{"schema_version": 1, "network": {"input_shape": [2], "layers": [{"type": "Magic"}]}}',
     "layer 1: unknown layer type 'Magic'"),
])
def test_bad_json_gives_clear_spec_error(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        load_json(text)


def test_expected_parameter_counts_of_course_networks():
    counts = {name: total_params(p.spec()) for name, p in presets.PRESETS.items()}
    assert counts["mnist-784-20-10"] == 15_910
    assert counts["mnist-mlp-512"] == 669_706
    assert counts["mnist-flatten-128-64"] == 109_386
    assert counts["mnist-softmax-784-10"] == 7_850
    assert counts["cifar-3072-3000-2000-10"] == 15_241_010


def test_aliases_and_defaults_fill_in():
    lay = LayerSpec("Dense", {"units": 3, "activation": "identity"})
    assert lay.params["activation"] == "linear"
    assert lay.params["kernel_initializer"] == "glorot_uniform"
    with pytest.raises(SpecError, match="no parameter"):
        LayerSpec("Dropout", {"units": 3})


def test_train_config_rejects_nonsense():
    with pytest.raises(SpecError):
        TrainConfig(epochs=0)
    with pytest.raises(SpecError):
        TrainConfig(validation_split=1.5)


def _messages(spec, data=MNIST):
    return [str(p) for p in errors(check(spec, data))]


def test_ten_classes_but_one_output_unit_is_explained():
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "mse")
    msgs = _messages(spec)
    assert any("2 classes" in m and "10" in m for m in msgs)


def test_softmax_on_one_unit_is_an_error():
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 1, "activation": "softmax"})])
    assert any("Softmax over a single output" in m for m in _messages(spec, None))


def test_dense_after_conv_without_flatten_is_explained():
    spec = NetworkSpec((28, 28), [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
                                  LayerSpec("Conv2D"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    msgs = _messages(spec)
    assert len(msgs) == 1 and "Flatten" in msgs[0] and msgs[0].startswith("Layer 3")


def test_input_mismatch_and_regression_losses():
    spec = NetworkSpec((3,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})])
    assert any("data has shape" in m for m in _messages(spec))
    reg = DataInfo((1,), "regression", 0, 1)
    spec = NetworkSpec((1,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "categorical_crossentropy")
    assert any("classification loss" in m for m in _messages(spec, reg))


def test_dubious_choices_get_hints_not_errors():
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "mse")
    problems = check(spec, DataInfo((784,), "classification", 10))
    assert not errors(problems)
    assert any(p.level == "hint" and "cross-entropy" in p.message for p in problems)
    deep = NetworkSpec((784,), [LayerSpec("Dense", {"units": 8, "activation": "sigmoid"})
                                for _ in range(4)] +
                       [LayerSpec("Dense", {"units": 10, "activation": "softmax"})])
    assert any("vanish" in p.message for p in check(deep, MNIST))


def test_every_preset_is_valid_for_its_own_dataset_shape():
    from nngui.core.data.datasets import entry, load_dataset

    def info(name: str) -> DataInfo | None:  # MNIST without its file; a user's file: unknown
        if name == "mnist":
            return MNIST
        return None if entry(name).reads_file else DataInfo.of(load_dataset(name))

    for p in presets.PRESETS.values():
        assert not errors(check(p.spec(), info(p.dataset))), p.name


def test_shape_rows_name_layers_like_keras():
    rows = layer_rows(presets.get_preset("mnist-cnn").spec())
    assert [r.name for r in rows][:4] == ["reshape", "conv2d", "max_pooling2d", "conv2d_1"]
    assert rows[-1].shape_text == "(None, 10)"


def test_catalog_covers_the_course_menus():
    assert {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "elu",
            "gelu"} <= set(catalog.ACTIVATIONS)
    assert {"sse", "mse", "mae", "binary_crossentropy", "categorical_crossentropy",
            "sparse_categorical_crossentropy", "kl_divergence", "hinge"} <= set(catalog.LOSSES)
    assert {"sgd", "adam", "rmsprop", "adagrad", "adadelta"} <= set(catalog.OPTIMIZERS)
    assert {"uniform", "lecun_uniform", "normal", "zeros", "ones", "glorot_normal",
            "glorot_uniform", "he_normal", "he_uniform"} <= set(catalog.INITIALIZERS)
