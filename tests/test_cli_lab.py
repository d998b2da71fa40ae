"""`nngui lab`: the course's XOR run headless, its JSON contract and one-line errors."""

import ast
import json
import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "nngui", "lab", *args], capture_output=True,
                          text=True, timeout=300)


def last_json(out):
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_course_xor_json():
    out = run("xor", "--iterations", "1500", "--seed", "0", "--lr", "1.0", "--json")
    assert out.returncode == 0, out.stderr
    doc = last_json(out)
    assert doc["sse"] < 0.05 and doc["iterations"] == 1500
    assert [round(p) for p in doc["outputs"]] == [0, 1, 1, 0] == doc["targets"]
    assert len(doc["outputs"]) == 4 and all(0 < p < 1 for p in doc["outputs"])
    assert doc["grad_check_max_rel_diff"] < 1e-6 and doc["finite_diff_max_rel_diff"] < 1e-5
    assert doc["grad_check_ok"] is True


def test_wrong_grad_is_reported_and_export_runs(tmp_path):
    script = tmp_path / "xor.py"
    out = run("--wrong-grad", "--iterations", "50", "--no-tf", "--json", "--export", str(script))
    assert out.returncode == 0, out.stderr
    doc = last_json(out)
    assert doc["grad_check_ok"] is False and doc["initial_finite_diff_max_rel_diff"] > 0.1
    assert doc["grad_check_max_rel_diff"] is None  # --no-tf
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    printed = ast.literal_eval(ran.stdout.strip().splitlines()[-1].split(":", 1)[1].strip())
    assert printed == pytest.approx(doc["outputs"], rel=1e-9)


def test_perceptron_text_output():
    out = run("--hidden", "0", "--no-tf", "--quiet")
    assert out.returncode == 0, out.stderr
    assert "XOR after 1500 iterations" in out.stdout and "0 1 -> 0.5" in out.stdout


@pytest.mark.parametrize("args, fragment", [
    (["nand"], "Unknown truth table"),
    (["--iterations", "abc"], "must be a whole number"),
    (["--iterations", "-1"], "--iterations"),
    (["--hidden", "99"], "Hidden width"),
    (["--activation", "softmax"], "activation"),
    (["--lr", "0"], "Learning rate"),
    (["--export", "/no/such/dir/x.py", "--no-tf"], "Cannot write"),
])
def test_bad_arguments_are_one_line_with_status_2(args, fragment):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert "Traceback" not in out.stderr
