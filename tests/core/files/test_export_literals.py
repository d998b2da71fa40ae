"""Whatever a name or a path holds, an exported script parses and calls only what its template calls."""

from __future__ import annotations

import ast
import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.files.python_export import export_python
from nngui.core.lab.backprop import LabConfig
from nngui.core.lab.export import export_script
from nngui.core.platform.codegen import comment, literal
from nngui.core.training.presets import get_preset

# Keras itself refuses '/' in a model's name (the schema refuses it long before)
HOSTILE_NAMES = st.text(max_size=60).map(lambda s: s.replace("/", "|")) | st.sampled_from([
    'x"""\n__import__("pathlib").Path("MARK").touch()\n"""', "x\\N{bogus}", "a'b\"c",
    "\\", "line\nbreak", "'''", "}{", "{name}", "%s", "\x00", "é\u2028x"])
HOSTILE = st.text(max_size=60) | st.sampled_from(["~0", "~nobody/x", "/tmp/a\nb",
    'x"""\n__import__("pathlib").Path("MARK").touch()\n"""', "x\\N{bogus}", "a'b\"c",
    "\\", "line\nbreak", "'''", "}{", "{name}", "%s", "\x00", "é\u2028x"])


def calls(script: str) -> set[str]:
    """Every call in the script, by what is called (``np.column_stack``, ``print``...)."""
    return {ast.unparse(node.func) for node in ast.walk(ast.parse(script))
            if isinstance(node, ast.Call)}


def _export(name: str, dataset: str, path: str | None) -> str:
    preset = get_preset("mlp-2-4-2")
    spec = dataclasses.replace(preset.spec(), name=name)  # past the schema, as a bug could
    return export_python(spec, preset.train_config(), dataset, data_path=path)


REFERENCE = {d: calls(_export("net", d, "/data/file.csv")) for d in ("moons", "file", "mnist")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE_NAMES, path=HOSTILE.filter(bool), dataset=st.sampled_from(["moons", "file",
                                                                         "mnist"]))
def test_a_hostile_name_or_path_stays_a_literal(name: str, path: str, dataset: str) -> None:
    script = _export(name, dataset, path)
    assert calls(script) == REFERENCE[dataset]  # parses, and no new call appeared
    tree = ast.parse(script)
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert name in constants  # the model's name: one literal, whatever it holds


@given(st.text(max_size=40) | st.integers() | st.floats() | st.none() | st.booleans())
def test_a_literal_evaluates_to_its_value(value) -> None:
    back = ast.literal_eval(literal(value)) if "float(" not in literal(value) else \
        float(ast.literal_eval(literal(value)[6:-1]))
    assert back == value or (value != value and back != back)


@given(st.text(max_size=300))
def test_comment_text_cannot_end_a_comment_or_docstring(text: str) -> None:
    safe = comment(text)
    source = f'"""{safe}"""\n# {safe}\nX = 1\n'
    tree = ast.parse(source)
    assert len(tree.body) == 2 and tree.body[0].value.value == safe  # the docstring, whole


def test_the_lab_script_takes_its_numbers_as_literals() -> None:
    script = export_script(LabConfig(lr=0.5, alpha=0.1, activation="leaky_relu"))
    assert "learning rate 0.5" in script and "ALPHA = 0.1" in script
    ast.parse(script)
