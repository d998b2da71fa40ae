"""The lesson file: built-ins parse, dump round-trips, and any bad file is one clear error."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.lessons.format import (
    Goal,
    Lesson,
    LessonError,
    Question,
    Step,
    dump,
    parse,
    to_dict,
)
from nngui.core.lessons.library import builtin_lessons, find_lesson

GOOD = """
lesson = 1
id = "t"
title = "A test"

[[steps]]
id = "one"
title = "Step one"
[steps.setup]
preset = "xor-2-2-1"
tab = "watch"

[[steps.goals]]
id = "sse"
title = "SSE below 0.05"
kind = "train_sse"
below = 0.05
"""


def test_every_builtin_lesson_round_trips() -> None:
    lessons = builtin_lessons()
    assert [x.id for x in lessons] == ["backprop-xor", "activations-losses", "perceptron-mlp",
                                       "keras-mnist", "autoencoders", "cifar-homework"]
    for lesson in lessons:
        assert parse(dump(lesson)) == lesson
        assert parse(json.dumps(to_dict(lesson))) == lesson  # the JSON form reads the same
        assert all(s.title and s.text for s in lesson.steps)


def test_builtin_setups_name_real_presets_and_data() -> None:
    from nngui.core.data.datasets import dataset_names
    from nngui.core.training.presets import PRESETS

    for lesson in builtin_lessons():
        for s in lesson.steps:
            assert s.setup.get("preset", "xor-2-2-1") in PRESETS, (lesson.id, s.id)
            assert s.setup.get("dataset", "xor") in dataset_names(), (lesson.id, s.id)
            for g in s.goals:
                assert g.where.get("dataset", "file") in [*dataset_names(), "file"]


@pytest.mark.parametrize(("edit", "names"), [
    (lambda t: t.replace("below = 0.05", "below = \"low\""), "steps[1].goals[1].below"),
    (lambda t: t.replace("train_sse", "train_ssq"), "steps[1].goals[1].kind"),
    (lambda t: t.replace('tab = "watch"', 'tab = "nowhere"'), "steps[1].setup.tab"),
    (lambda t: t.replace("lesson = 1", "lesson = 2"), "lesson"),
    (lambda t: t.replace('id = "sse"', 'id = "one"'), "steps[1].goals[1].id"),
    (lambda t: t.replace('title = "Step one"', 'titel = "Step one"'), "steps[1].titel"),
    (lambda t: t.replace("below = 0.05", "at_least = 0.05"), "steps[1].goals[1].at_least"),
    (lambda t: t.replace('preset = "xor-2-2-1"', 'preset = "xor-2-2-1'), "line 10"),
])
def test_a_bad_field_is_named(edit, names) -> None:
    with pytest.raises(LessonError) as err:
        parse(edit(GOOD), "mine.toml")
    msg = str(err.value)
    assert msg.startswith("mine.toml: ") and names in msg and "\n" not in msg, msg


def test_an_unknown_field_with_a_line_break_in_its_name_is_one_line() -> None:
    text = dump(find_lesson("perceptron-mlp")[0])
    for bad in ('"a\\nb" = 1\n' + text, text.replace("[[steps]]", '[[steps]]\n"x\\ty" = 1', 1)):
        with pytest.raises(LessonError) as err:
            parse(bad, "fuzz.toml")
        assert "\n" not in str(err.value) and "\t" not in str(err.value), str(err.value)
        assert "unknown field" in str(err.value)


def test_json_errors_name_the_line() -> None:
    with pytest.raises(LessonError, match=r"line 3, column"):
        parse('{"lesson": 1,\n "id": "x",\n "title" "y"}')


def _lessons() -> st.SearchStrategy[Lesson]:
    ident = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
    text = st.text(max_size=40)
    short = st.text(min_size=1, max_size=30)
    goal = st.builds(Goal, id=ident, title=text, kind=st.just("test_accuracy"),
                     at_least=st.floats(0, 1), where=st.fixed_dictionaries(
                         {}, optional={"dataset": short, "max_params": st.integers(0, 10**6),
                                       "features": st.lists(short, max_size=3)}))
    step = st.builds(Step, id=ident, title=text, text=text,
                     setup=st.fixed_dictionaries({}, optional={
                         "preset": short, "epochs": st.integers(0, 1000),
                         "lr": st.floats(0, 10)}),
                     goals=st.lists(goal, max_size=3), predict=st.none())
    return st.builds(Lesson, id=ident, title=text, text=text, lecture=text,
                     steps=st.lists(step, min_size=1, max_size=3))


def _unique(lesson: Lesson) -> bool:
    ids = [s.id for s in lesson.steps] + [g.id for _, g in lesson.goals()]
    return len(ids) == len(set(ids))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_lessons().filter(_unique))
def test_dump_then_parse_gives_the_same_lesson(lesson: Lesson) -> None:
    for s in lesson.steps:  # a question needs a goal of its step
        if s.goals:
            s.predict = Question("Will it?", ["yes", "no"], s.goals[0].id)
    assert parse(dump(lesson)) == lesson


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_fuzzed_files_give_one_clear_error(data) -> None:
    text = dump(find_lesson("perceptron-mlp")[0])
    how = data.draw(st.sampled_from(["cut", "insert", "replace", "garbage", "json"]))
    if how == "cut":
        i = data.draw(st.integers(0, len(text)))
        text = text[:i]
    elif how in ("insert", "replace"):
        i = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.text(max_size=8))
        text = text[:i] + piece + text[i + (len(piece) if how == "replace" else 0):]
    elif how == "garbage":
        text = data.draw(st.text(max_size=200))
    else:
        doc = data.draw(st.recursive(st.none() | st.booleans() | st.integers() | st.floats()
                                     | st.text(max_size=5),
                                     lambda c: st.lists(c, max_size=3)
                                     | st.dictionaries(st.text(max_size=8), c, max_size=4),
                                     max_leaves=20))
        text = json.dumps({"lesson": 1, "id": "x", "title": "t", "steps": [doc]}
                          if data.draw(st.booleans()) else doc)
    try:
        parse(text, "fuzz.toml")
    except LessonError as exc:
        msg = str(exc)
        assert msg.startswith("fuzz.toml: ") and "\n" not in msg and len(msg) < 600
