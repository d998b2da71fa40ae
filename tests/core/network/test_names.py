"""A network's name: what the schema lets in, and what a model file's name becomes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nngui.core.network.schema import MAX_NAME, is_safe_name, safe_name
from nngui.core.network.spec import SpecError, dump_json, load_json
from nngui.core.training.presets import get_preset

REPO = Path(__file__).resolve().parents[3]
EVIL = 'x"""\n__import__("pathlib").Path("MARK").touch()\n"""'


def _doc(name: str) -> str:
    doc = json.loads(dump_json(get_preset("xor-3-4-1").spec()))
    doc["network"]["name"] = name
    return json.dumps(doc)


@pytest.mark.parametrize("name", ["mnist_784_20_10", "XOR 3-4-1", "réseau (v2)", "ae_2d",
                                  "784-512-512-10, dropout 0.2"])
def test_ordinary_names_pass(name: str) -> None:
    assert load_json(_doc(name))[0].name == name


@pytest.mark.parametrize("name", [EVIL, "a/b", "x\\N{bogus}", "it's", "two\nlines", " lead",
                                  "_under", "tab\there", ""])
def test_names_that_could_break_a_script_or_keras_are_refused(name: str) -> None:
    with pytest.raises(SpecError, match="network.name"):
        load_json(_doc(name))


@example("0 ")  # a good name ending in a space: it lost the space once
@given(st.text(max_size=300))
def test_any_text_becomes_a_safe_name(text: str) -> None:
    name = safe_name(text)
    assert is_safe_name(name) and len(name) <= MAX_NAME
    assert name.isprintable() and not any(c in name for c in "'\"\\/\n#")
    if is_safe_name(text) and len(text) <= MAX_NAME:
        assert name == text  # a good name is kept as it is


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_keras_accepts_every_safe_name(text: str) -> None:
    from nngui.core.platform.runtime import keras

    k = keras()
    model = k.Sequential([k.Input((2,)), k.layers.Dense(1)], name=safe_name(text))
    assert model.name == safe_name(text)


@pytest.mark.parametrize("name", [EVIL, "a/b"])
def test_the_cli_refuses_such_a_name_in_one_line(tmp_path: Path, name: str) -> None:
    spec = tmp_path / "evil.json"
    spec.write_text(_doc(name))
    for args in (["summary", "--spec", str(spec)],
                 ["export", "--spec", str(spec), "--dataset", "xor", "--python",
                  str(tmp_path / "out.py")]):
        out = subprocess.run([sys.executable, "-m", "nngui", *args], capture_output=True,
                             text=True, cwd=tmp_path, env={"PYTHONPATH": str(REPO),
                                                           "PATH": "/usr/bin:/bin"})
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "network.name" in out.stderr
        assert not (tmp_path / "out.py").exists() and not (tmp_path / "MARK").exists()
