"""What the whole `nngui train` process saves a user, and that nothing is lost on the way.

TensorFlow is imported in a thread while the data loads (it silences stderr meanwhile),
without Keras' scikit-learn wrappers, and the process ends without Python's teardown once
everything is written. Each test runs a real process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

MARK = "TEARDOWN-RAN"


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=600)


def _nngui_with_atexit_mark(*args: str) -> subprocess.CompletedProcess:
    """`nngui ARGS` as the console script runs it, with an atexit handler that prints MARK."""
    return _python(f"""
        import atexit, sys
        atexit.register(lambda: print({MARK!r}, flush=True))
        from nngui.__main__ import main
        sys.exit(main())
        """, *args)


def test_train_exits_without_teardown_once_the_model_is_saved(tmp_path):
    model = tmp_path / "xor.keras"
    out = _nngui_with_atexit_mark("train", "--preset", "xor-3-4-1", "--dataset", "xor",
                                  "--epochs", "3", "--out", str(model), "--json")
    assert out.returncode == 0, out.stderr
    assert MARK not in out.stdout  # Python's shutdown was skipped
    doc = json.loads(out.stdout.strip().splitlines()[-1])  # stdout was flushed first
    assert doc["model"] == str(model) and doc["epochs"] == 3
    from nngui.core.model.saving import load_model

    assert load_model(model).count_params() == 21  # the file is whole: 2-4-1 weights and biases


def test_errors_keep_their_status_and_commands_without_tensorflow_end_normally(tmp_path):
    out = _nngui_with_atexit_mark("train", "--preset", "mnist-784-20-10", "--dataset", "xor")
    assert out.returncode == 2 and "data has shape" in out.stderr
    assert MARK not in out.stdout
    out = _nngui_with_atexit_mark("presets", "--json")  # TensorFlow never loaded
    assert out.returncode == 0 and MARK in out.stdout


def test_notes_progress_and_hints_written_while_tensorflow_loads_are_not_lost():
    out = subprocess.run([sys.executable, "-m", "nngui", "train", "--preset", "mnist-784-20-10",
                          "--dataset", "digits", "--epochs", "2", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    err = out.stderr
    assert "data: " in err and "Training on " in err and "epoch 2/2" in err, err
    assert json.loads(out.stdout.strip().splitlines()[-1])["epochs"] == 2


def test_tensorflow_loads_without_scikit_learn_which_still_loads_after_and_beside_it():
    out = _python("""
        import sys
        from nngui.core.platform import runtime
        runtime.keras()
        print("sklearn imported with TensorFlow:", "sklearn" in sys.modules)
        print("keras wrappers got sklearn:",
              sys.modules["keras.src.wrappers.sklearn_wrapper"].sklearn is not None)
        from sklearn.manifold import TSNE  # after it, in this thread
        print("after", TSNE.__name__)
        """)
    assert out.returncode == 0, out.stderr
    assert "sklearn imported with TensorFlow: False" in out.stdout, out.stdout
    assert "keras wrappers got sklearn: False" in out.stdout
    assert "after TSNE" in out.stdout
    out = _python("""
        import threading
        from nngui.core.platform import runtime
        seen = {}

        def beside():
            import sklearn.datasets  # another thread, during the import
            seen["beside"] = sklearn.datasets.make_moons(8)[0].shape

        runtime.import_in_background()
        thread = threading.Thread(target=beside)
        thread.start()
        runtime.keras()
        thread.join()
        print("beside", seen.get("beside"))
        """)
    assert out.returncode == 0, out.stderr
    assert "beside (8, 2)" in out.stdout, out.stdout


def test_the_tensorflow_import_runs_no_collection_and_its_objects_are_frozen():
    out = _python("""
        import gc
        from nngui.core.platform import runtime
        during = []  # collections while TensorFlow is being imported
        gc.callbacks.append(lambda phase, info: phase == "start" and runtime._tf is None
                            and during.append(info["generation"]))
        runtime.tf()
        print("collections", len(during), "enabled", gc.isenabled(),
              "frozen", gc.get_freeze_count() > 100_000)
        """)
    assert out.returncode == 0, out.stderr
    assert "collections 0 enabled True frozen True" in out.stdout, out.stdout

