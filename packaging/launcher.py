"""Entry script for the frozen nngui application (see packaging/nngui.spec).

It does the same as the ``nngui`` console script (``nngui.__main__:main``); the
only additions are what a PyInstaller bundle needs before the app is imported.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _ensure_std_streams() -> None:
    """Give windowed builds somewhere to write.

    A windowed (``console=False``) build on Windows and macOS starts with
    ``sys.stdout``/``sys.stderr`` set to ``None``, so ``print`` output from the
    command-line modes (``nngui selftest``, ``nngui --help``) would be lost and
    some libraries crash when writing to them.  Send them to
    ``$NNGUI_CONSOLE_LOG`` when it is set (packaging/check_bundle.sh sets it), else
    discard them.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return
    path = os.environ.get("NNGUI_CONSOLE_LOG")
    if path:
        stream = open(path, "a", encoding="utf-8", buffering=1)
    else:
        stream = open(os.devnull, "w", encoding="utf-8")
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


def _enable_faulthandler() -> None:
    """Print a Python stack on hard crashes (SIGSEGV/SIGABRT from Qt or TF).

    A frozen app otherwise dies silently, e.g. on Qt's abort when an exception
    escapes while a QThread is still running.
    """
    import faulthandler

    try:
        faulthandler.enable(all_threads=True)
    except (AttributeError, OSError, ValueError):  # stderr without a usable fileno
        pass


def _arm_smoke_test(seconds: float) -> None:
    """Quit the GUI after ``seconds`` and report when its window came up ($NNGUI_SMOKE_SECONDS).

    Used by packaging/check_bundle.sh.  The QApplication made here is the one
    ``run_app`` reuses (it takes ``QApplication.instance()``), so the timers fire
    once the main window is shown and the event loop runs.  $NNGUI_SMOKE_T0 is the
    shell's start time (epoch seconds), so the report includes process start-up.
    """
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    t0 = float(os.environ.get("NNGUI_SMOKE_T0") or time.time())

    def report() -> None:
        shown = [w.metaObject().className() for w in app.topLevelWidgets() if w.isVisible()]
        print(f"nngui-smoke: window up after {time.time() - t0:.2f} s; visible: {shown}",
              flush=True)

    QTimer.singleShot(0, report)
    QTimer.singleShot(int(seconds * 1000), app.quit)


def main() -> int:
    # Needed for any multiprocessing (joblib/loky in scikit-learn, pyqtgraph's
    # multiprocess helpers) in a frozen app; a no-op when not frozen.
    multiprocessing.freeze_support()
    _ensure_std_streams()
    _enable_faulthandler()
    # Only the TensorFlow backend is bundled; ignore a KERAS_BACKEND=jax/torch
    # left in the user's environment.
    os.environ["KERAS_BACKEND"] = "tensorflow"

    smoke = os.environ.get("NNGUI_SMOKE_SECONDS")
    if smoke and len(sys.argv) == 1:
        _arm_smoke_test(float(smoke))

    from nngui.__main__ import main as nngui_main

    rc = nngui_main()
    return int(rc) if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
