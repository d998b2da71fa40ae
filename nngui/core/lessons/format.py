"""The lesson file: a human-writable TOML document (or the same as JSON), read and written.

A lesson is steps; a step has text, an optional setup (what "Set up" does in the app), goals
(checks with thresholds, see :mod:`nngui.core.lessons.checks`) and an optional
predict-then-run question. ``docs/lessons.md`` documents the format for teachers.

:func:`parse` trusts nothing: every problem is one :class:`LessonError` whose message names
the line (a TOML or JSON syntax error) or the field (``steps[2].goals[1].below``), never a
traceback. :func:`dump` writes TOML that :func:`parse` reads back to an equal lesson.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (pyproject.toml)
    import tomli as tomllib

FORMAT_VERSION = 1
MAX_TEXT = 200_000  # characters in a lesson file
MAX_STEPS = 100
MAX_GOALS = 50
MAX_FIELD = 20_000  # characters in one text field
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TABS = ("build", "train", "watch", "evaluate", "inspect", "draw", "autoencoder", "lab")

# goal kind -> (the threshold field it needs or None, what its value is, for the docs)
GOAL_KINDS: dict[str, tuple[str | None, str]] = {
    "train_sse": ("below", "sum of squared errors of the model on the training data"),
    "train_accuracy": ("at_least", "accuracy of the model on the training data"),
    "test_accuracy": ("at_least", "accuracy of the model on the test data"),
    "test_loss": ("below", "the network's loss on the test data"),
    "hidden_separable": (None, "1 when one line separates the classes in the last hidden "
                               "layer's outputs"),
    "overfits": (None, "the epoch where validation loss was lowest before rising again "
                       "while training loss kept falling"),
    "runs": ("at_least", "runs in the run list with different values of `differ`"),
}
THRESHOLDS = ("below", "at_least")
# where-conditions: what the network, data or settings must be for a goal to count
WHERE_KEYS: dict[str, type | tuple[type, ...]] = {
    "dataset": str, "hidden_layers": int, "features": list, "max_params": int, "loss": str,
    "optimizer": str, "seed": int, "kind": str, "units": list,
}
SETUP_KEYS: dict[str, type | tuple[type, ...]] = {
    "preset": str, "dataset": str, "tab": str, "epochs": int, "seed": int, "lr": (int, float),
    "features": list, "validation_split": (int, float),
}
RUN_SETTINGS = ("lr", "optimizer", "batch_size", "epochs", "network", "layers", "initializer",
                "loss")


class LessonError(ValueError):
    """A lesson file that cannot be used; the message is one line for the user."""


@dataclass
class Goal:
    id: str
    title: str
    kind: str
    below: float | None = None
    at_least: float | None = None
    where: dict[str, Any] = field(default_factory=dict)
    differ: str = ""  # runs: the setting that must differ
    rise: float = 0.05  # overfits: how much validation loss must rise above its lowest


@dataclass
class Question:
    prompt: str
    choices: list[str]
    goal: str  # the goal whose outcome answers it


@dataclass
class Step:
    id: str
    title: str
    text: str = ""
    setup: dict[str, Any] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    predict: Question | None = None


@dataclass
class Lesson:
    id: str
    title: str
    text: str = ""
    lecture: str = ""
    constraints: dict[str, Any] = field(default_factory=dict)  # where-keys every goal gets
    steps: list[Step] = field(default_factory=list)

    def goals(self) -> list[tuple[Step, Goal]]:
        return [(s, g) for s in self.steps for g in s.goals]

    def goal(self, goal_id: str) -> Goal | None:
        return next((g for _, g in self.goals() if g.id == goal_id), None)


# ------------------------------------------------------------------------------- reading

def parse(text: str, name: str = "lesson") -> Lesson:
    """The lesson ``text`` holds (TOML, or JSON when it starts with '{'); LessonError else."""
    if not isinstance(text, str):
        raise LessonError(f"{name}: a lesson file is text.")
    if len(text) > MAX_TEXT:
        raise LessonError(f"{name}: a lesson file is at most {MAX_TEXT:,} characters.")
    try:
        if text.lstrip().startswith("{"):
            doc = json.loads(text, parse_constant=_no_constant)
        else:
            doc = tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise LessonError(f"{name}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{name}: not valid TOML: {_one_line(str(exc))}.") from None
    except (ValueError, RecursionError) as exc:
        raise LessonError(f"{name}: not a lesson file: {_one_line(str(exc))}.") from None
    try:
        return _lesson(doc)
    except _FieldError as exc:
        raise LessonError(f"{name}: {exc.where}: {exc.problem}.") from None


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number a lesson can use")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200].rstrip(".")


class _FieldError(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


def _table(doc: Any, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _FieldError(where, "must be a table (name = value lines)")
    for key in doc:
        if key not in known:
            name = str(key)[:60] if str(key).isprintable() else repr(key)[:60]  # one line
            raise _FieldError(f"{where}.{name}" if where != "lesson" else name,
                              f"unknown field; a {where.split('[')[0].split('.')[-1]} "
                              f"has {', '.join(known)}")
    return doc


def _str(d: dict, key: str, where: str, required: bool = True, limit: int = MAX_FIELD) -> str:
    if key not in d:
        if required:
            raise _FieldError(f"{where}.{key}" if where != "lesson" else key, "is missing")
        return ""
    v = d[key]
    here = f"{where}.{key}" if where != "lesson" else key
    if not isinstance(v, str):
        raise _FieldError(here, "must be text in quotes")
    if len(v) > limit:
        raise _FieldError(here, f"is longer than {limit:,} characters")
    return v


def _ident(d: dict, where: str) -> str:
    v = _str(d, "id", where)
    if not ID_RE.match(v):
        raise _FieldError(f"{where}.id" if where != "lesson" else "id",
                          f"{v[:40]!r} must be 1-64 lower-case letters, digits, - or _")
    return v


def _number(v: Any, here: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _FieldError(here, "must be a finite number")
    return float(v)


def _typed(d: dict[str, Any], types: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in _table(d, where, tuple(types)).items():
        here = f"{where}.{key}"
        want = types[key]
        if want is int:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**32:
                raise _FieldError(here, "must be a whole number from 0 to 4294967296")
        elif want is list:
            if not isinstance(value, list) or len(value) > 64 or not all(
                    isinstance(v, str) if key == "features" else
                    (isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 10**7)
                    for v in value):
                raise _FieldError(here, "must be a list of names such as [\"x1*x2\"]"
                                  if key == "features" else "must be a list of unit counts")
        elif want is str:
            if not isinstance(value, str) or not 0 < len(value) <= 200:
                raise _FieldError(here, "must be a short text in quotes")
        else:
            value = _number(value, here)
        out[key] = value
    if "tab" in out and out["tab"] not in TABS:
        raise _FieldError(f"{where}.tab", f"must be one of {', '.join(TABS)}")
    return out


def _goal(d: Any, where: str) -> Goal:
    d = _table(d, where, ("id", "title", "kind", "below", "at_least", "where", "differ",
                          "rise"))
    kind = _str(d, "kind", where)
    if kind not in GOAL_KINDS:
        raise _FieldError(f"{where}.kind", f"{kind[:40]!r} is not a goal kind; choose one of "
                          f"{', '.join(GOAL_KINDS)}")
    need = GOAL_KINDS[kind][0]
    for t in THRESHOLDS:
        if t in d and t != need:
            raise _FieldError(f"{where}.{t}", f"a {kind} goal has "
                              + (f"a threshold '{need}', not '{t}'" if need else "no threshold"))
    if need and need not in d:
        raise _FieldError(f"{where}.{need}", f"is missing (a {kind} goal needs it)")
    goal = Goal(_ident(d, where), _str(d, "title", where), kind,
                where=_typed(d.get("where", {}), WHERE_KEYS, f"{where}.where"))
    if need:
        setattr(goal, need, _number(d[need], f"{where}.{need}"))
    if kind == "runs":
        goal.differ = _str(d, "differ", where)
        if goal.differ not in RUN_SETTINGS:
            raise _FieldError(f"{where}.differ", f"must be one of {', '.join(RUN_SETTINGS)}")
    elif "differ" in d:
        raise _FieldError(f"{where}.differ", "only a runs goal has it")
    if "rise" in d:
        if kind != "overfits":
            raise _FieldError(f"{where}.rise", "only an overfits goal has it")
        goal.rise = _number(d["rise"], f"{where}.rise")
        if not 0 <= goal.rise <= 10:
            raise _FieldError(f"{where}.rise", "must be from 0 to 10")
    return goal


def _question(d: Any, where: str, goals: list[Goal]) -> Question:
    d = _table(d, where, ("question", "choices", "goal"))
    choices = d.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 8 or not all(
            isinstance(c, str) and 0 < len(c) <= 200 for c in choices):
        raise _FieldError(f"{where}.choices", "must be a list of 2 to 8 short texts")
    goal = _str(d, "goal", where)
    if goal not in [g.id for g in goals]:
        raise _FieldError(f"{where}.goal", f"{goal[:40]!r} is not one of this step's goals")
    return Question(_str(d, "question", where), list(choices), goal)


def _lesson(doc: Any) -> Lesson:
    d = _table(doc, "lesson", ("lesson", "id", "title", "text", "lecture", "constraints",
                               "steps"))
    version = d.get("lesson")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _FieldError("lesson", f"must be {FORMAT_VERSION} (the format version) "
                          f"{'and is missing' if version is None else f'not {str(version)[:20]}'}")
    steps = d.get("steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise _FieldError("steps", f"a lesson has 1 to {MAX_STEPS} [[steps]]")
    lesson = Lesson(_ident(d, "lesson"), _str(d, "title", "lesson", limit=200),
                    _str(d, "text", "lesson", False), _str(d, "lecture", "lesson", False, 200),
                    _typed(d.get("constraints", {}), WHERE_KEYS, "constraints"))
    seen: set[str] = set()
    for i, s in enumerate(steps):
        where = f"steps[{i + 1}]"
        s = _table(s, where, ("id", "title", "text", "setup", "goals", "predict"))
        step = Step(_ident(s, where), _str(s, "title", where, limit=200),
                    _str(s, "text", where, False),
                    _typed(s.get("setup", {}), SETUP_KEYS, f"{where}.setup"))
        goals = s.get("goals", [])
        if not isinstance(goals, list) or len(goals) > MAX_GOALS:
            raise _FieldError(f"{where}.goals", f"must be up to {MAX_GOALS} [[steps.goals]]")
        for j, g in enumerate(goals):
            step.goals.append(_goal(g, f"{where}.goals[{j + 1}]"))
        if "predict" in s:
            step.predict = _question(s["predict"], f"{where}.predict", step.goals)
        for ident, here in [(step.id, f"{where}.id"),
                            *[(g.id, f"{where}.goals[{j + 1}].id")
                              for j, g in enumerate(step.goals)]]:
            if ident in seen:
                raise _FieldError(here, f"{ident!r} is used twice (ids are unique in a lesson)")
            seen.add(ident)
        lesson.steps.append(step)
    return lesson


# ------------------------------------------------------------------------------- writing

def to_dict(lesson: Lesson) -> dict[str, Any]:
    """The lesson as the document :func:`parse` reads (empty optional fields left out)."""
    def goal(g: Goal) -> dict[str, Any]:
        out: dict[str, Any] = {"id": g.id, "title": g.title, "kind": g.kind}
        for t in THRESHOLDS:
            if getattr(g, t) is not None:
                out[t] = getattr(g, t)
        if g.differ:
            out["differ"] = g.differ
        if g.kind == "overfits" and g.rise != 0.05:
            out["rise"] = g.rise
        if g.where:
            out["where"] = dict(g.where)
        return out

    def step(s: Step) -> dict[str, Any]:
        out: dict[str, Any] = {"id": s.id, "title": s.title}
        if s.text:
            out["text"] = s.text
        if s.setup:
            out["setup"] = dict(s.setup)
        if s.goals:
            out["goals"] = [goal(g) for g in s.goals]
        if s.predict:
            out["predict"] = {"question": s.predict.prompt, "choices": list(s.predict.choices),
                              "goal": s.predict.goal}
        return out

    doc: dict[str, Any] = {"lesson": FORMAT_VERSION, "id": lesson.id, "title": lesson.title}
    if lesson.lecture:
        doc["lecture"] = lesson.lecture
    if lesson.text:
        doc["text"] = lesson.text
    if lesson.constraints:
        doc["constraints"] = dict(lesson.constraints)
    doc["steps"] = [step(s) for s in lesson.steps]
    return doc


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):  # a JSON string is a TOML basic string, once DEL is escaped too
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {type(v).__name__}")


def _toml_table(d: dict[str, Any], prefix: str, out: list[str]) -> None:
    """Plain values first, then sub-tables, then arrays of tables (TOML's order)."""
    subs = {k: v for k, v in d.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in d.items() if isinstance(v, list) and v
              and all(isinstance(x, dict) for x in v)}
    for k, v in d.items():
        if k not in subs and k not in arrays:
            out.append(f"{k} = {_toml_value(v)}")
    for k, v in subs.items():
        out.append(f"\n[{prefix}{k}]")
        _toml_table(v, f"{prefix}{k}.", out)
    for k, items in arrays.items():
        for item in items:
            out.append(f"\n[[{prefix}{k}]]")
            _toml_table(item, f"{prefix}{k}.", out)


def dump(lesson: Lesson) -> str:
    """The lesson as TOML (what a teacher would write); ``parse(dump(x)) == x``."""
    out: list[str] = []
    _toml_table(to_dict(lesson), "", out)
    return "\n".join(out) + "\n"
