"""A student's progress through the lessons, as kept in the project file (``lessons.json``).

One lesson's progress is ``{"lesson": ID, "text": the lesson file's text, "met": {goal:
{"value", "detail"}}, "predictions": {step: {"guess", "outcome"}}, "step": ID}``. The lesson's
own text travels with it, so a teacher's lesson reopens with the project. :func:`from_dict`
reads a stored progress back and drops what does not fit the lesson, rather than refusing the
project.

``lessons.json`` is the current lesson's progress (what older files hold, and what older
versions read) with two optional keys: ``"others"``, the progress of every other lesson the
student worked on, and ``"trained"``, the settings the session's model was trained with (see
:class:`~nngui.core.lessons.checks.Situation`). :func:`bundle` writes it, :func:`unbundle`
reads it back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from nngui.core.lessons.checks import Result
from nngui.core.lessons.format import Lesson, LessonError, parse


@dataclass
class Progress:
    lesson: Lesson
    text: str  # the lesson file it was read from
    met: dict[str, dict[str, Any]] = field(default_factory=dict)  # goal id -> value, detail
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> guess, outcome
    step: str = ""

    def record(self, results: list[Result]) -> list[str]:
        """Keep the goals met now (a goal once met stays met, with the latest measurement that
        met it); the ids newly met."""
        new = []
        for r in results:
            if r.met:
                if r.id not in self.met:
                    new.append(r.id)
                self.met[r.id] = {"value": r.value, "detail": r.detail}
        return new

    def guess(self, step_id: str, guess: str) -> None:
        self.predictions[step_id] = {"guess": guess, "outcome": None}

    def worked_on(self) -> bool:
        """Anything of the student's in it: a goal met, a guess, a step set up."""
        return bool(self.met or self.predictions or self.step)

    def step_done(self, step_id: str) -> bool:
        step = next((s for s in self.lesson.steps if s.id == step_id), None)
        return step is not None and all(g.id in self.met for g in step.goals)

    def done(self) -> bool:
        return all(g.id in self.met for _, g in self.lesson.goals())

    def to_dict(self) -> dict[str, Any]:
        return {"lesson": self.lesson.id, "text": self.text, "met": dict(self.met),
                "predictions": dict(self.predictions), "step": self.step}


def from_dict(d: dict[str, Any]) -> Progress:
    """A stored progress; LessonError when its lesson text cannot be read."""
    text = d.get("text")
    if not isinstance(text, str):
        raise LessonError("The project's lesson progress has no lesson text.")
    lesson = parse(text, "the project's lesson")
    goals = {g.id for _, g in lesson.goals()}
    steps = {s.id for s in lesson.steps}
    met = {}
    for k, v in (d.get("met") or {}).items():
        if k in goals and isinstance(v, dict):
            value = v.get("value")
            ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                   and math.isfinite(value))
            met[k] = {"value": value if ok else None, "detail": str(v.get("detail", ""))[:500]}
    predictions = {}
    for k, v in (d.get("predictions") or {}).items():
        if k in steps and isinstance(v, dict) and isinstance(v.get("guess"), str):
            out = v.get("outcome")
            predictions[k] = {"guess": v["guess"][:200],
                              "outcome": out[:500] if isinstance(out, str) else None}
    step = d.get("step") if d.get("step") in steps else ""
    return Progress(lesson, text, met, predictions, step)


MAX_OTHERS = 100  # lessons kept besides the current one


def bundle(current: Progress, others: list[Progress],
           trained: dict[str, Any] | None = None) -> dict[str, Any]:
    """``lessons.json``: the current lesson's progress, the others' and, when there is a
    trained model, what it was trained with."""
    out = current.to_dict()
    kept = [p.to_dict() for p in others if p.lesson.id != current.lesson.id
            and p.worked_on()]  # a lesson only looked at: nothing kept
    if kept:
        out["others"] = kept
    if trained is not None:
        out["trained"] = dict(trained)
    return out


def unbundle(d: dict[str, Any]) -> tuple[Progress, list[Progress], list[str]]:
    """(the current progress, the others, what could not be read, one line each) of a
    stored ``lessons.json``; LessonError when the current lesson cannot be read. Another
    lesson that cannot be read is left out (and named), never refusing the project."""
    current = from_dict(d)
    others: list[Progress] = []
    problems: list[str] = []
    raw = d.get("others")
    for i, item in enumerate(raw[:MAX_OTHERS] if isinstance(raw, list) else []):
        try:
            if not isinstance(item, dict):
                raise LessonError("not a table")
            p = from_dict(item)
        except LessonError as exc:
            problems.append(f"another lesson's progress ({i + 1}) could not be read: {exc}")
            continue
        if p.lesson.id != current.lesson.id and all(o.lesson.id != p.lesson.id for o in others):
            others.append(p)
    return current, others, problems
