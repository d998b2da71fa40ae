"""Lessons: steps with goals that check themselves against the session (the top core floor).

``format`` (the lesson file: parse and dump), ``checks`` (goals measured on a
:class:`~nngui.core.lessons.checks.Situation`, re-evaluating the model), ``library`` (the
built-in lessons, lesson files), ``progress`` (a student's progress, kept in the project) and
``submission`` (Submit: the project plus a summary that ``nngui lesson check`` re-checks).
"""
