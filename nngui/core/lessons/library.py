"""The built-in lessons (one per lecture of the course) and lesson files by path or id."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from nngui.core.lessons.format import Lesson, LessonError, parse
from nngui.core.platform.resources import resources_dir

MAX_FILE_BYTES = 1_000_000


def _builtin_dir() -> Path:
    return resources_dir() / "lessons"


@lru_cache(maxsize=1)
def _builtin() -> dict[str, tuple[Lesson, str]]:
    out: dict[str, tuple[Lesson, str]] = {}
    for path in sorted(_builtin_dir().glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        lesson = parse(text, path.name)
        out[lesson.id] = (lesson, text)
    return out


def builtin_lessons() -> list[Lesson]:
    """The built-in lessons in course order (fresh copies: callers may change them)."""
    return [parse(text) for _, text in _builtin().values()]


def builtin_text(lesson_id: str) -> str | None:
    found = _builtin().get(lesson_id)
    return found[1] if found else None


def read_lesson_file(path: str | os.PathLike) -> tuple[Lesson, str]:
    """(lesson, its text) from a file; LessonError naming the file and the problem."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise LessonError(f"{p.name}: a lesson file is at most 1 MB.")
        raw = p.read_bytes()
    except OSError as exc:
        raise LessonError(f"Cannot read the lesson file {p}: {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{p.name}: a lesson file is UTF-8 text.") from None
    return parse(text, p.name), text


def find_lesson(name: str) -> tuple[Lesson, str]:
    """A built-in lesson by id, else a lesson file by path; LessonError naming the choices."""
    text = builtin_text(name)
    if text is not None:
        return parse(text, name), text
    if Path(name).suffix.lower() in (".toml", ".json") or Path(name).exists():
        return read_lesson_file(name)
    raise LessonError(f"No lesson {name[:60]!r}: give a lesson file (.toml or .json) or one of "
                      f"the built-in lessons: {', '.join(_builtin())}.")
