"""Every malformed spec the hardening issue found is a SpecError naming the field.

Each case below was a traceback (or was accepted silently though wrong) before core/network/schema.py.
"""

import copy
import json

import pytest

from nngui.core.network.spec import SpecError, load_json, load_spec_file
from nngui.core.training import presets

_PRESET = presets.PRESETS["mnist-784-20-10"]
BASE = {"schema_version": 1, "network": copy.deepcopy(_PRESET.network),
        "train": dict(_PRESET.train)}


def _mutated(path: tuple, value) -> str:
    doc = copy.deepcopy(BASE)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(doc, allow_nan=True)


_DELETE = object()
UNITS = ("network", "layers", 0, "params", "units")


@pytest.mark.parametrize("path, value, fragment", [
    (UNITS, "abc", "layer 1 (Dense) units: Units must be a number, not 'abc'"),
    (UNITS, None, "Units must be a number"),
    (UNITS, [1], "Units must be a number"),
    (UNITS, float("inf"), "Units must be a finite number"),
    (UNITS, 3.7, "Units must be a whole number, not 3.7"),  # was silently 3
    (UNITS, True, "Units must be a number, not True"),  # was silently 1
    (UNITS, 0, "between 1 and 100000"),
    (UNITS, 10**4000, "a 4001-digit number"),
    (("network", "layers", 0, "params", "use_bias"), "no", "Use bias must be true or false"),
    (("network", "layers", 0, "params", "activation"), "swish9", "Activation must be one of"),
    (("network", "layers", 0, "params", "kernel_initializer"), "magic", "Initializer must be"),
    (("network", "layers", 0, "params", "alpha"), -0.5, "between 0 and 1"),
    (("network",), _DELETE, 'no "network" entry'),
    (("schema_version",), "1", "schema_version must be a whole number"),
    (("train",), [1], "train must be a JSON object"),
    (("train", "epochs"), 2.5, "train.epochs: Epochs must be a whole number"),
    (("train", "seed"), "abc", "train.seed: Seed must be a number"),
    (("train", "seed"), -1, "train.seed"),
    (("train", "batch_size"), 1e20, "train.batch_size"),
    (("network", "learning_rate"), "fast", "network.learning_rate must be a number"),
    (("network", "learning_rate"), -1, "network.learning_rate"),
    (("network", "learning_rate"), 0, "network.learning_rate"),
    (("network", "learning_rate"), float("inf"), "network.learning_rate"),
    (("network", "kind"), "gan", "network.kind must be one of"),
    (("network", "optimizer"), "sgd", None),  # valid: sgd gets its default momentum
    (("network", "input_shape"), [0], "network.input_shape"),
    (("network", "input_shape"), "784", "network.input_shape"),
    (("network", "latent_index"), 7, "network.latent_index"),
    (("network", "layers"), [], None),  # loads; validate.check says "no layers"
    (("network", "layers"), [{"type": "Dense", "params": {"units": 2}}] * 10_000,
     "at most 200 layers"),
    (("network", "lerning_rate"), 0.1, "unknown entry 'lerning_rate'"),
])
def test_malformed_field_is_a_spec_error_naming_it(path, value, fragment):
    text = _mutated(path, value)
    if fragment is None:
        load_json(text)
        return
    with pytest.raises(SpecError) as info:
        load_json(text)
    assert fragment in str(info.value)
    assert len(str(info.value)) < 400


def test_optimizer_params_are_checked_against_the_optimizer():
    doc = copy.deepcopy(BASE)
    doc["network"]["optimizer"] = "sgd"
    for bad, fragment in ((2, "between 0 and 0.999"), ("x", "must be a number")):
        doc["network"]["optimizer_params"] = {"momentum": bad}
        with pytest.raises(SpecError, match=f"optimizer_params.*{fragment}"):
            load_json(json.dumps(doc))
    doc["network"]["optimizer"] = "adam"  # adam has no momentum: said, not dropped silently
    with pytest.raises(SpecError, match="no parameter"):
        load_json(json.dumps(doc))


def _conv_doc(**params) -> str:
    layer = {"type": "Conv2D", "params": {"filters": 2, **params}}
    pool = {"type": "MaxPooling2D", "params": {}}
    return json.dumps({"network": {"input_shape": [28, 28, 1], "layers": [layer, pool]}})


@pytest.mark.parametrize("params, fragment", [
    ({"strides": 0}, "Strides must be between 1"),  # was ZeroDivisionError in shapes.py
    ({"padding": "full"}, "Padding must be one of valid, same"),
    ({"kernel_size": "3"}, "Kernel size must be a number"),
])
def test_conv_parameters_are_checked_before_shapes(params, fragment):
    with pytest.raises(SpecError, match=fragment):
        load_json(_conv_doc(**params))


def test_pool_size_zero_and_bad_momentum():
    doc = {"network": {"input_shape": [28, 28, 1], "layers": [
        {"type": "MaxPooling2D", "params": {"pool_size": 0}}]}}
    with pytest.raises(SpecError, match="Pool size must be between 1"):
        load_json(json.dumps(doc))
    doc["network"]["layers"] = [{"type": "BatchNormalization", "params": {"momentum": 2}}]
    with pytest.raises(SpecError, match="Momentum must be between 0"):
        load_json(json.dumps(doc))


@pytest.mark.parametrize("text, fragment", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"network": ' + "1" * 5000 + "}", "Not valid JSON"),
    ("x" * 6_000_000, "far more than"),
    ('{"network": {"input_shape": [784], "layers": [{"type": "Dense", '
     '"params": {"units": 1e400}}]}}', "finite"),
])
def test_hostile_documents_are_refused(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        load_json(text)


def test_unreadable_files_are_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="not a file"):
        load_spec_file("/dev/zero")  # was MemoryError
    with pytest.raises(SpecError, match="not a file"):
        load_spec_file(tmp_path)
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match="not a text"):
        load_spec_file(binary)
