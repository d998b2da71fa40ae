"""The command line as scripts use it: JSON last lines, exit status 2 and one-line errors."""

import json
import subprocess
import sys

import pytest


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nngui", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def last_json(out):
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_presets_and_summary_json():
    out = run("presets", "--json")
    assert out.returncode == 0
    names = {p["name"]: p["params"] for p in last_json(out)["presets"]}
    assert names["mnist-mlp-512"] == 669_706 and names["ae-2d"] == 210_562
    out = run("summary", "--preset", "mnist-784-20-10", "--json")
    doc = last_json(out)
    assert doc["total_params"] == 15_910
    assert [row["params"] for row in doc["layers"]] == [15_700, 210]
    assert doc["layers"][0]["output_shape"] == [20]


@pytest.mark.parametrize("args, fragment", [
    (["summary", "--preset", "nope"], "Unknown preset"),
    (["train", "--preset", "xor-3-4-1", "--dataset", "mnist", "--data", "/no/such.npz"],
     "does not exist"),
    (["evaluate", "--model", "/no/model.keras", "--dataset", "xor"], "No model file"),
    (["train", "--preset", "mnist-784-20-10", "--dataset", "xor"], "data has shape"),
    (["train", "--spec", "/no/spec.json", "--dataset", "xor"], "Cannot read"),
])
def test_bad_input_is_one_line_on_stderr_with_status_2(args, fragment):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_several_problems_read_as_sentences_and_a_missing_file_is_only_that():
    out = run("train", "--preset", "mnist-cnn", "--dataset", "xor", "--epochs", "1")
    assert out.returncode == 2
    line = out.stderr.strip().splitlines()[-1]
    assert "set the input shape to (3,). Layer" in line and ".;" not in line, line
    out = run("train", "--preset", "xor-3-4-1", "--dataset", "mnist", "--data", "/no/such.npz")
    line = out.stderr.strip().splitlines()[-1]
    assert "/no/such.npz does not exist" in line, line
    assert "download" not in line and "File ->" not in line, line  # no advice for a typo


def test_train_save_evaluate_round_trip(tmp_path):
    model = tmp_path / "xor.keras"
    out = run("train", "--preset", "xor-3-4-1", "--dataset", "xor", "--out", str(model),
              "--json")
    assert out.returncode == 0, out.stderr
    doc = last_json(out)
    assert doc["test"]["accuracy"] == 1.0 and model.is_file()
    out = run("evaluate", "--model", str(model), "--dataset", "xor", "--json")
    assert out.returncode == 0, out.stderr
    assert last_json(out)["accuracy"] == 1.0


def test_selftest_passes():
    out = run("selftest", "--json")
    assert out.returncode == 0, out.stderr
    assert last_json(out)["ok"] is True


@pytest.mark.slow
def test_mnist_mlp_512_reaches_98_percent_from_the_cli(tmp_path, full_mnist_path):
    """The foundation issue's bar: the 784-512-512-10 preset, 10 epochs, about 98 % test
    (on the full 60k/10k set: the bar is defined there)."""
    out = run("train", "--preset", "mnist-mlp-512", "--dataset", "mnist", "--data",
              str(full_mnist_path), "--epochs", "10", "--json")
    assert out.returncode == 0, out.stderr
    doc = last_json(out)
    assert doc["epochs"] == 10
    # Seeds 0/1/2 give 97.97/97.99/98.04 % now that seeded runs reshuffle every epoch (the old
    # 98.19 % came from replaying one batch order); a broken pipeline lands far lower.
    assert doc["test"]["accuracy"] >= 0.978, doc["test"]


@pytest.mark.slow
def test_autoencoder_32d_preset_meets_the_reconstruction_bar(full_mnist_path):
    """Issue bar: the 32-d preset on full MNIST reaches test MSE <= 0.010 per pixel."""
    out = run("train", "--preset", "ae-32d", "--dataset", "mnist", "--data", str(full_mnist_path),
              "--json")
    assert out.returncode == 0, out.stderr
    assert last_json(out)["test"]["loss"] <= 0.010  # the preset's loss is per-pixel MSE
