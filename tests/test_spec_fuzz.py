"""Any JSON document is a valid spec or one clean error, end to end through the CLI.

Documents are arbitrary JSON and mutated presets (one value anywhere in the tree replaced
by arbitrary JSON, or deleted). They run through ``load_json`` and through ``nngui summary``
and ``nngui train`` in-process: the outcome is exit status 0 or 2 with one stderr line; an
internal error (status 1) or an exception escaping is a failure.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.cli import run_cli
from nngui.core.network.spec import SpecError, dump_json, load_json
from nngui.core.training import presets

SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
           | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0, 1, 2, -1, 0.5, 1.0, 784, 28, "relu", "softmax", "same",
                              "Dense", "Conv2D", "sgd", "mse", ""])
           | st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=10), kids, max_size=4), max_leaves=12)
PRESET_DOCS = [json.loads(dump_json(p.spec(), p.train_config()))
               for p in presets.PRESETS.values()]


def _paths(node, prefix=()):
    """Every path into a JSON tree (the root included)."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def mutated(draw, docs=PRESET_DOCS):
    """A preset document with one to three values replaced by arbitrary JSON (or deleted)."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(doc))[1:]))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.integers(0, 5)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return doc


def _text(doc) -> str:
    return json.dumps(doc, allow_nan=True)


def _loads_or_spec_error(text: str) -> None:
    try:
        spec, cfg = load_json(text)
    except SpecError as exc:
        assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 600
        return
    # accepted: it is a real spec (numbers finite, shapes whole) and it round-trips
    assert math.isfinite(spec.lr) and spec.lr > 0
    assert all(isinstance(v, int) and v >= 1 for v in spec.input_shape)
    again, cfg2 = load_json(dump_json(spec, cfg))
    assert again.to_dict() == spec.to_dict() and cfg2 == cfg


@settings(max_examples=1000, deadline=None)
@given(JSON)
def test_any_json_document_loads_or_is_a_spec_error(doc):
    _loads_or_spec_error(_text(doc))


@settings(max_examples=1000, deadline=None)
@given(mutated())
def test_any_mutated_preset_loads_or_is_a_spec_error(doc):
    _loads_or_spec_error(_text(doc))


def _cli(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = run_cli(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code
    return rc, err.getvalue()


def _run_doc(doc, *argv: str) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.json"
        path.write_text(_text(doc), encoding="utf-8")
        return _cli([argv[0], "--spec", str(path), *argv[1:]])


def _clean(rc: int, err: str) -> None:
    assert rc in (0, 2), err  # 1 is an internal error: a traceback in disguise
    if rc == 2:
        lines = [ln for ln in err.splitlines() if not ln.startswith(("hint:", "data:"))]
        assert len(lines) == 1 and lines[0].startswith("nngui: error: "), err


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), JSON))
def test_summary_of_any_document_is_clean(doc):
    _clean(*_run_doc(doc, "summary", "--json"))


XOR_DOCS = [json.loads(dump_json(presets.get_preset(n).spec(), presets.get_preset(n)
                                 .train_config())) for n in ("xor-3-4-1",)]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(XOR_DOCS))
def test_train_on_any_mutated_xor_spec_is_clean(doc):
    _clean(*_run_doc(doc, "train", "--dataset", "xor", "--epochs", "2", "--device", "cpu"))
