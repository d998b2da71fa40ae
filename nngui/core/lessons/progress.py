"""A student's progress through one lesson, as kept in the project file (``lessons.json``).

``{"lesson": ID, "text": the lesson file's text, "met": {goal: {"value", "detail"}},
"predictions": {step: {"guess", "outcome"}}, "step": ID}``. The lesson's own text travels
with it, so a teacher's lesson reopens with the project. :func:`from_dict` reads a stored
progress back and drops what does not fit the lesson, rather than refusing the project.
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
        """Keep the goals met now (a goal once met stays met); the ids newly met."""
        new = []
        for r in results:
            if r.met and r.id not in self.met:
                self.met[r.id] = {"value": r.value, "detail": r.detail}
                new.append(r.id)
        return new

    def guess(self, step_id: str, guess: str) -> None:
        self.predictions[step_id] = {"guess": guess, "outcome": None}

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
