"""`nngui lessons` and `nngui lesson check`: the built-in lessons, and a teacher's check of a
project or submission (goals re-measured on its model, its summary compared)."""

from __future__ import annotations

import argparse
import json

from nngui.cli_common import UsageError, json_safe


def cmd_lessons(args: argparse.Namespace) -> int:
    """The built-in lessons; with --json the last line is a list of {id, title, steps}."""
    from nngui.core.lessons.library import builtin_lessons

    rows = [{"id": x.id, "title": x.title,
             "steps": [{"id": s.id, "title": s.title} for s in x.steps]}
            for x in builtin_lessons()]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['id']:<20} {r['title']}")
            for s in r["steps"]:
                print(f"    {s['id']:<18} {s['title']}")
    return 0


def cmd_lesson_check(args: argparse.Namespace) -> int:
    """Exit 0 when every goal is met (and a submission's numbers are its model's), else 1."""
    from nngui.core.lessons.format import LessonError
    from nngui.core.lessons.library import find_lesson
    from nngui.core.lessons.submission import check_project

    try:
        lesson, _ = find_lesson(args.lesson)
        report = check_project(lesson, args.project)
    except LessonError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(json_safe(report), allow_nan=False))
    else:
        for g in report["goals"]:
            print(f"{'met    ' if g['met'] else 'NOT met'}  {g['id']}: {g['detail']}")
        sub = report.get("submission")
        if sub is not None:
            if sub["mismatches"]:
                print("the submission's summary does not match its model:")
                for m in sub["mismatches"]:
                    print(f"  {m}")
            else:
                print("the submission's summary matches its model")
        print("all goals met" if report["all_met"] else "not all goals met")
    return 0 if report["all_met"] else 1


def add_lesson_parsers(add) -> None:
    """`nngui lessons` and `nngui lesson check LESSON PROJECT`."""
    add("lessons", cmd_lessons, "list the built-in lessons and their steps")
    p = add("lesson", None, "lesson tools: `nngui lesson check LESSON PROJECT.nngui`")
    sub = p.add_subparsers(dest="lesson_command", required=True, metavar="check")
    c = sub.add_parser("check", help="re-measure a project's or submission's goals")
    c.set_defaults(func=cmd_lesson_check)
    c.add_argument("lesson", help="a built-in lesson id (see `nngui lessons`) or a lesson file")
    c.add_argument("project", help="the student's .nngui project or submission")
    c.add_argument("--json", action="store_true", help="last stdout line is one JSON object")
