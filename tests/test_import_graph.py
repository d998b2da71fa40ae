"""nngui's import graph, read from the source with ast (nothing is imported).

Every import counts, including those inside functions: an import deferred into a function to
dodge a circle is still a circle in the design. Two rules: no cycles between modules, and
``nngui.core`` never imports the GUI or Qt.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "nngui"
QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(nngui modules, other top-level packages) that ``name`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    inner: set[str] = set()
    outer: set[str] = set()

    def add(target: str) -> None:
        if target.split(".")[0] != "nngui":
            outer.add(target.split(".")[0])
            return
        while target and target not in known:  # nngui.core.network.spec.LayerSpec -> nngui.core.network.spec
            target = target.rpartition(".")[0]
        if target and target != name:
            inner.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:  # `from . import catalog` names a module
                add(f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin)
    return inner, outer


@lru_cache(maxsize=1)  # parsed once per session; callers only read it
def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    mods = all_modules()
    known = set(mods)
    inner: dict[str, set[str]] = {}
    outer: dict[str, set[str]] = {}
    for name, path in mods.items():
        inner[name], outer[name] = imports_of(name, path, known)
    return inner, outer


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def _cycles_within(prefix: str) -> list[list[str]]:
    inner, _ = graph()
    sub = {m: {t for t in ts if t.startswith(prefix)} for m, ts in inner.items()
           if m.startswith(prefix)}
    return cycles(sub)


def test_the_walker_sees_real_edges() -> None:
    """Guards the guard: a walker that found no edges would pass every rule below."""
    inner, outer = graph()
    assert "nngui.core.network.catalog" in inner["nngui.core.network.spec"]  # `from . import catalog`
    assert "nngui.core.network.spec" in inner["nngui.core.network.shapes"]  # `from .spec import ...`
    assert "nngui.core.data.files" in inner["nngui.core.data.datasets"]
    assert "numpy" in outer["nngui.core.model.inference"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_has_no_import_cycles() -> None:
    assert _cycles_within("nngui.core") == []


def test_package_has_no_cycles_outside_the_gui() -> None:
    inner, _ = graph()
    found = [c for c in cycles(inner) if not all(m.startswith("nngui.gui") for m in c)]
    assert found == []


def test_gui_has_no_import_cycles() -> None:
    assert _cycles_within("nngui.gui") == []


def test_core_never_imports_the_gui_or_qt() -> None:
    inner, outer = graph()
    for name in inner:
        if not name.startswith("nngui.core"):
            continue
        gui = sorted(t for t in inner[name] if t.startswith("nngui.gui"))
        qt = sorted(outer[name] & set(QT_PACKAGES))
        assert not gui and not qt, f"{name} imports {gui + qt}"


# The floors of each side, lowest first; a tuple is one floor of siblings that never import
# each other. A module imports from its own package and from lower floors only.
CORE_FLOORS: list[tuple[str, ...]] = [
    ("platform",), ("layers",), ("network",), ("model", "data", "lab"), ("training",),
    ("insight", "drawing", "files"), ("lessons",),
]
GUI_FLOORS: list[tuple[str, ...]] = [
    ("common",), ("builder", "training", "evaluate", "draw", "autoencoder", "lab", "lessons"),
    ("window",),
]
FLOORS = {"core": CORE_FLOORS, "gui": GUI_FLOORS}


def floor_of(module: str) -> tuple[str, int, str] | None:
    """(side, floor index, package) of ``nngui.<side>.<package>.<module>``; None above that."""
    parts = module.split(".")
    if len(parts) < 4 or parts[1] not in FLOORS:  # the packages' own entries (gui.app)
        return None
    side, package = parts[1], parts[2]
    for i, floor in enumerate(FLOORS[side]):
        if package in floor:
            return side, i, package
    raise AssertionError(f"{module}: package {package!r} is on no floor of {side}")


def arrows_against_the_floors(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for source, targets in edges.items():
        here = floor_of(source)
        for target in targets:
            there = floor_of(target)
            if here is None or there is None or there[0] != here[0] or there[2] == here[2]:
                continue
            if there[1] >= here[1]:
                bad.append(f"{source} -> {target}")
    return sorted(bad)


def test_every_module_sits_in_a_capability_package() -> None:
    """core and gui hold only their __init__ (and gui's app entry) at the top."""
    loose = [m for m, path in all_modules().items() if m.count(".") == 2
             and m.split(".")[1] in FLOORS and path.name != "__init__.py"]
    assert loose == ["nngui.gui.app"]
    for m in all_modules():  # every package is on a floor (floor_of raises otherwise)
        floor_of(m)


def test_imports_run_down_the_floors() -> None:
    inner, _ = graph()
    assert arrows_against_the_floors(inner) == []


def test_the_floor_rule_sees_an_arrow_up_and_sideways() -> None:
    """Guards the guard: an import from a higher floor or a sibling package is reported."""
    edges = {"nngui.core.model.forward": {"nngui.core.drawing.preprocess",
                                          "nngui.core.layers.kinds"},
             "nngui.core.data.adapt": {"nngui.core.model.builder"},
             "nngui.gui.evaluate.gallery": {"nngui.gui.training.live",
                                            "nngui.gui.common.style"},
             "nngui.gui.window.pages": {"nngui.gui.draw.panel"}}
    assert arrows_against_the_floors(edges) == [
        "nngui.core.data.adapt -> nngui.core.model.builder",
        "nngui.core.model.forward -> nngui.core.drawing.preprocess",
        "nngui.gui.evaluate.gallery -> nngui.gui.training.live",
    ]


def private_reaches(path: Path, root: Path = ROOT.parent) -> list[str]:
    """``other._name`` in ``path`` where ``_name`` is not defined in that module itself.

    A module may use its own private names on any object (a Task and its TaskRunner, a
    class's own helpers); reaching into another module's widget's privates is what the
    public methods are for. ``_nngui_*`` markers on library objects are the app's own.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            own.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and not node.attr.startswith("_nngui")):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        if node.attr not in own:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_widget_reaches_into_another_modules_private_attributes() -> None:
    found = [f for p in sorted((ROOT / "gui").rglob("*.py")) for f in private_reaches(p)]
    assert found == []


def test_the_private_rule_sees_a_reach(tmp_path: Path) -> None:
    module = tmp_path / "widget.py"
    module.write_text("class A:\n    def f(self, other):\n        self._mine = 1\n"
                      "        return other._mine, other._theirs, self._x\n")
    assert [f.split(": ")[1] for f in private_reaches(module, tmp_path)] == ["other._theirs"]
