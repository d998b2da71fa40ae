"""`nngui lessons`, `nngui lesson check` and `nngui train --project` (issue 24's contracts):
a teacher's assignment round-trips through a submission, and an edited summary is caught."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ASSIGNMENT = """
lesson = 1
id = "hw-xor"
title = "Homework: XOR with one unit"

[constraints]
dataset = "xor2"
seed = 0

[[steps]]
id = "lifted"
title = "One unit, one extra input"
text = "Make a single sigmoid unit separate XOR."

[[steps.goals]]
id = "separates"
title = "All four points right"
kind = "train_accuracy"
at_least = 1.0
[steps.goals.where]
hidden_layers = 0
max_params = 10
"""


def run(*args):
    return subprocess.run([sys.executable, "-m", "nngui", *args], capture_output=True,
                          text=True, timeout=600)


def last_json(out):
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lesson-projects")
    out = {}
    for preset in ("perceptron-xor", "perceptron-xor-x1x2"):
        path = folder / f"{preset}.nngui"
        res = run("train", "--preset", preset, "--project", str(path), "--json")
        assert res.returncode == 0, res.stderr
        assert last_json(res)["project"] == str(path) and path.is_file()
        out[preset] = path
    (folder / "hw.toml").write_text(ASSIGNMENT, encoding="utf-8")
    out["lesson"] = folder / "hw.toml"
    return out


def test_lessons_json_lists_the_builtins():
    out = run("lessons", "--json")
    assert out.returncode == 0
    rows = last_json(out)
    assert isinstance(rows, list) and len(rows) == 6
    for r in rows:
        assert set(r) == {"id", "title", "steps"} and r["steps"]
        assert all(set(s) == {"id", "title"} for s in r["steps"])
    assert "perceptron-mlp" in [r["id"] for r in rows]


def test_check_a_project_against_a_teachers_file(projects):
    out = run("lesson", "check", str(projects["lesson"]), str(projects["perceptron-xor-x1x2"]),
              "--json")
    assert out.returncode == 0, out.stderr
    doc = last_json(out)
    assert doc["lesson"] == "hw-xor" and doc["all_met"] is True
    assert [(g["id"], g["met"], g["value"]) for g in doc["goals"]] == [("separates", True, 1.0)]
    out = run("lesson", "check", str(projects["lesson"]), str(projects["perceptron-xor"]),
              "--json")
    assert out.returncode == 1
    g = last_json(out)["goals"][0]
    assert g["met"] is False and g["value"] <= 0.75


def test_a_submission_passes_and_an_edited_one_is_caught(projects, tmp_path):
    from nngui.core.files.project import load_project
    from nngui.core.lessons.checks import Situation, check_lesson
    from nngui.core.lessons.library import read_lesson_file
    from nngui.core.lessons.submission import MEMBER, summary, write_submission

    lesson, _ = read_lesson_file(projects["lesson"])
    # the failing perceptron, submitted honestly: its check fails, its summary is true
    project = load_project(projects["perceptron-xor"])
    s = Situation.of_project(project)
    info = summary(lesson, s, check_lesson(lesson, s))
    sub = write_submission(project, tmp_path / "sub.nngui", info)
    out = run("lesson", "check", str(projects["lesson"]), str(sub), "--json")
    doc = last_json(out)
    assert out.returncode == 1 and doc["submission"]["honest"] is True
    # the student edits the numbers: 100 % and met
    edited = tmp_path / "edited.nngui"
    with zipfile.ZipFile(sub) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == MEMBER:
                doc = json.loads(data)
                doc["achieved"]["separates"] = 1.0
                doc["met"]["separates"] = True
                data = json.dumps(doc).encode()
            dst.writestr(item, data)
    out = run("lesson", "check", str(projects["lesson"]), str(edited), "--json")
    doc = last_json(out)
    assert out.returncode == 1 and doc["all_met"] is False
    assert doc["submission"]["honest"] is False
    assert any(m.startswith("separates:") for m in doc["submission"]["mismatches"])
    assert doc["goals"][0]["value"] <= 0.75  # the re-measured number, not the summary's
    # the passing project, submitted: all met and honest, exit 0
    project = load_project(projects["perceptron-xor-x1x2"])
    s = Situation.of_project(project)
    good = write_submission(project, tmp_path / "good.nngui",
                            summary(lesson, s, check_lesson(lesson, s)))
    out = run("lesson", "check", str(projects["lesson"]), str(good), "--json")
    assert out.returncode == 0 and last_json(out)["submission"]["honest"] is True


@pytest.mark.parametrize(("args", "says"), [
    (["lesson", "check", "no-such-lesson", "x.nngui"], "No lesson 'no-such-lesson'"),
    (["lesson", "check", "perceptron-mlp", "/no/such.nngui"], "No project file"),
    (["lesson"], "required"),
    (["train", "--preset", "xor-2-2-1", "--project", "out.keras"], "--project must name"),
])
def test_bad_input_is_one_line_and_status_2(args, says):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], out.stderr


def test_a_malformed_lesson_file_names_the_field(tmp_path, projects):
    bad = tmp_path / "bad.toml"
    bad.write_text(ASSIGNMENT.replace("at_least = 1.0", "at_least = \"all\""), encoding="utf-8")
    out = run("lesson", "check", str(bad), str(projects["perceptron-xor"]))
    assert out.returncode == 2
    assert out.stderr.strip() == ("nngui: error: bad.toml: steps[1].goals[1].at_least: must be "
                                  "a finite number.")
