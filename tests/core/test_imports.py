"""The core stays Qt-free and imports TensorFlow lazily."""

import pathlib
import re
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "nngui" / "core"


def test_importing_core_loads_neither_qt_nor_tensorflow():
    code = ("import sys, importlib, pkgutil, nngui.core as c\n"
            "names = [m.name for m in pkgutil.walk_packages(c.__path__, 'nngui.core.')]\n"
            "assert len(names) > 40, names  # every subpackage and module, not just the top\n"
            "for name in names:\n"
            "    if not name.endswith('.keras_objects'):\n"
            "        importlib.import_module(name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'PySide6', 'pyqtgraph', 'shiboken6', 'sklearn')]\n"
            "print(bad)\nassert not bad, bad\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_qt_import_statements_in_core():
    pattern = re.compile(r"^\s*(import|from)\s+(PySide6|pyqtgraph|shiboken6)", re.M)
    offenders = [p.name for p in CORE.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
    assert len(list(CORE.rglob("*.py"))) > 40  # the glob reaches into the subpackages
