"""Regression guard for the PySide6 6.12.0 ``None`` refcount bug.

PySide6-Essentials 6.12.0 on CPython 3.11 decrements ``None``'s reference count
on every binding call that returns nothing (``QPainter.drawLine`` x1000 lowers
``sys.getrefcount(None)`` by ~1000).  Once the count underflows the interpreter
aborts with "none_dealloc" -- in nngui that happens after a few thousand
strokes on the drawing canvas.  pyproject.toml pins ``PySide6-Essentials<6.12``.

On CPython >= 3.12 ``None`` is immortal, so the count cannot move and the
stress test passes trivially there; the version check still applies.

The stress test runs in a subprocess so that a hard abort shows up as a failed
exit status instead of killing the pytest process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

N_CALLS = 20_000
MAX_DELTA = 100  # a leaking build drifts by ~N_CALLS; a clean one by a handful

STRESS_SCRIPT = textwrap.dedent(
    f"""
    import json, sys
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    img = QImage(280, 280, QImage.Format.Format_ARGB32)
    img.fill(QColor("black"))
    white = QPen(QColor("white"), 18, Qt.PenStyle.SolidLine,
                 Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    grey = QPen(QColor(128, 128, 128), 9, Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    # Warm up once so lazily created wrapper/type objects are not counted.
    painter.setPen(white)
    painter.drawLine(QPointF(0, 0), QPointF(1, 1))
    painter.drawEllipse(QPointF(5, 5), 2.0, 2.0)
    painter.drawPoint(QPoint(3, 3))

    before = sys.getrefcount(None)
    for i in range({N_CALLS}):
        x, y = i % 280, (i * 7) % 280
        painter.drawLine(QPointF(x, y), QPointF((x + 13) % 280, (y + 5) % 280))
        if i % 10 == 0:
            painter.setPen(grey if i % 20 else white)
            painter.drawEllipse(QPointF(x, y), 4.0, 4.0)
            painter.drawPoint(QPoint(y, x))
    painter.end()
    for _ in range(200):
        img.fill(QColor("black"))
    after = sys.getrefcount(None)

    print(json.dumps({{"before": before, "after": after, "delta": after - before,
                      "calls": {N_CALLS}}}))
    sys.stdout.flush()
    """
)


def _installed_pyside_version() -> str:
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    import PySide6

    return PySide6.__version__


def test_void_calls_do_not_leak_none_refcount() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", STRESS_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (
        f"stress subprocess died with status {proc.returncode} (none_dealloc abort?)\n"
        f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    )
    last = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert last, f"no JSON result from subprocess; stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    result = json.loads(last[-1])
    assert abs(result["delta"]) < MAX_DELTA, (
        f"sys.getrefcount(None) moved by {result['delta']} over {N_CALLS} void PySide6 calls "
        f"(PySide6 {_installed_pyside_version()}): the binding is leaking/dropping None "
        "references; see the PySide6-Essentials pin in pyproject.toml"
    )


def test_pyside_version_is_not_known_bad() -> None:
    version = _installed_pyside_version()
    if version.startswith("6.12.0"):
        pytest.fail(
            f"PySide6 {version} is installed; 6.12.0 decrements None's refcount on every "
            "void call and aborts with none_dealloc. pyproject.toml pins "
            "'PySide6-Essentials>=6.6,<6.12' -- reinstall with `pip install -e .`"
        )
