"""Lesson progress lives in the project file and comes back as it was."""

from __future__ import annotations

from nngui.core.files.project import Project, load_project, save_project
from nngui.core.lessons.checks import Result
from nngui.core.lessons.format import parse
from nngui.core.lessons.library import builtin_text
from nngui.core.lessons.progress import Progress, from_dict
from nngui.core.training.presets import get_preset


def test_progress_round_trips_through_the_project(tmp_path) -> None:
    text = builtin_text("perceptron-mlp")
    p = Progress(parse(text), text)
    assert p.record([Result("separates-xor", True, 1.0, "ok"),
                     Result("moons-95", False, 0.9, "no")]) == ["separates-xor"]
    assert p.record([Result("separates-xor", True, 1.0, "ok")]) == []  # met stays met, once
    p.guess("feature", "yes")
    p.step = "feature"
    assert p.step_done("feature") and not p.step_done("moons") and not p.done()
    preset = get_preset("perceptron-xor-x1x2")
    path = save_project(Project(preset.spec(), preset.train_config(), "xor2",
                                lessons=p.to_dict()), tmp_path / "p.nngui")
    back = from_dict(load_project(path).lessons)
    assert back == p
    plain = save_project(Project(preset.spec(), preset.train_config(), "xor2"),
                         tmp_path / "plain.nngui")
    assert load_project(plain).lessons is None  # no lesson: no member, as older files


def test_stored_progress_that_does_not_fit_the_lesson_is_dropped() -> None:
    text = builtin_text("perceptron-mlp")
    back = from_dict({"text": text, "met": {"nope": {"value": 1}, "moons-95": {"value": "x"}},
                      "predictions": {"feature": {"guess": 3}}, "step": "nowhere"})
    assert back.met == {"moons-95": {"value": None, "detail": ""}}
    assert back.predictions == {} and back.step == ""


def test_every_lessons_progress_round_trips_and_an_older_file_still_reads(tmp_path) -> None:
    from nngui.core.lessons.checks import trained_of
    from nngui.core.lessons.progress import bundle, unbundle

    def progress(lesson_id: str) -> Progress:
        text = builtin_text(lesson_id)
        return Progress(parse(text), text)

    xor, act, mnist = progress("perceptron-mlp"), progress("activations-losses"), \
        progress("keras-mnist")
    xor.record([Result("separates-xor", True, 1.0, "train accuracy 100.0 %")])
    xor.guess("feature", "yes")
    act.record([Result("curve-fit", True, 0.01, "test loss 0.01")])
    looked = progress("autoencoders")  # only looked at: nothing to keep
    mnist.guess("overfitting", "no, it will rise again")
    preset = get_preset("perceptron-xor-x1x2")
    stored = bundle(mnist, [xor, act, looked], {"loss": "binary_crossentropy", "seed": 0})
    path = save_project(Project(preset.spec(), preset.train_config(), "xor2", lessons=stored),
                        tmp_path / "p.nngui")
    lessons = load_project(path).lessons
    current, others, problems = unbundle(lessons)
    assert current == mnist and others == [xor, act] and problems == []
    assert trained_of(lessons) == {"loss": "binary_crossentropy", "seed": 0}
    # a file from before: one lesson's progress, no others, nothing known of the training
    current, others, problems = unbundle(xor.to_dict())
    assert current == xor and others == [] and problems == []
    assert trained_of(xor.to_dict()) is None
    # another lesson that cannot be read is left out, and said
    current, others, problems = unbundle({**mnist.to_dict(),
                                          "others": [{"text": "lesson = 1"}, act.to_dict()]})
    assert others == [act] and len(problems) == 1 and "(1)" in problems[0]
