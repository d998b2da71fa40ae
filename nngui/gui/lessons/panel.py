"""The lesson side panel: a lesson's steps, a "Set up" button each, checks that turn green.

The panel knows nothing of the window: a host (``gui/window/lessons_host.py``) gives it the
session as a :class:`~nngui.core.lessons.checks.Situation` and sets the app up for a step.
Checks are re-measured by ``refresh`` (after every run, and when a project opens); a goal once
met stays met in the progress the project keeps. A step with a question asks for a guess
before its "Set up" unlocks, and shows what happened beside the guess after the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nngui.core.lessons.checks import (
    Result,
    Situation,
    check_goal,
    check_lesson,
    unmet_condition,
)
from nngui.core.lessons.format import Lesson, Step
from nngui.core.lessons.library import builtin_lessons, builtin_text
from nngui.core.lessons.progress import Progress, bundle

MET_STYLE = "color: rgb(30, 130, 50); font-weight: bold;"
OPEN_STYLE = "color: palette(text);"
MUTED = "color: palette(mid);"
RETRY_MS = 500  # a check that could not start (the model busy) is tried again after this
# the panel's preferred width, whatever the lesson's text: the dock beside the tabs keeps one
# width on a 1366-pixel screen (it followed each lesson's longest line: 262 to 400 px)
PREFERRED_WIDTH = 320


def flow(text: str) -> str:
    """A lesson text for a wrapped label: lines of a paragraph joined, blank lines kept as
    paragraph breaks and indented lines (code) kept on lines of their own."""
    out: list[str] = []
    para: list[str] = []
    for line in text.strip().splitlines():
        if line.startswith(("  ", "\t")) or not line.strip():
            if para:
                out.append(" ".join(para))
                para = []
            if line.strip():
                out.append("    " + line.strip())
            elif out and out[-1] != "":
                out.append("")
        else:
            para.append(line.strip())
    if para:
        out.append(" ".join(para))
    return "\n".join(out).strip("\n")


def _label(text: str, name: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    if style:
        label.setStyleSheet(style)
    return label


class _StepBox(QFrame):
    """One step: its title, text, Set up, its goals and its question. (A QFrame with a
    wrapped title label: a QGroupBox's title would set the panel's minimum width.)"""

    def __init__(self, step: Step, panel: LessonPanel) -> None:
        super().__init__()
        self.step = step
        self.setObjectName(f"lessonStep_{step.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.titleLabel = _label(step.title, f"stepTitle_{step.id}", "font-weight: bold;")
        lay.addWidget(self.titleLabel)
        if step.text:
            lay.addWidget(_label(flow(step.text)))
        self.goalLabels: dict[str, QLabel] = {}
        for g in step.goals:
            label = _label(f"○ {g.title}", f"goal_{g.id}")
            self.goalLabels[g.id] = label
            lay.addWidget(label)
        if not step.goals:
            lay.addWidget(_label("(no check: explore, then go on)", style=MUTED))
        self.guessGroup: QButtonGroup | None = None
        self.commitButton: QPushButton | None = None
        self.outcomeLabel: QLabel | None = None
        if step.predict is not None:
            q = step.predict
            lay.addWidget(_label(f"Predict: {q.prompt}", style="font-style: italic;"))
            self.guessGroup = QButtonGroup(self)
            for i, choice in enumerate(q.choices):  # one a line: the panel stays narrow
                b = QRadioButton(choice)
                b.setObjectName(f"guess_{step.id}_{i}")
                self.guessGroup.addButton(b, i)
                lay.addWidget(b)
            self.commitButton = QPushButton("Commit my guess")
            self.commitButton.setObjectName(f"commitGuess_{step.id}")
            self.commitButton.setEnabled(False)
            self.guessGroup.idToggled.connect(
                lambda *_: self.commitButton.setEnabled(self.guessGroup.checkedId() >= 0
                                                        and not self.committed()))
            self.commitButton.clicked.connect(lambda: panel.commit_guess(step.id))
            self.outcomeLabel = _label("", f"outcome_{step.id}")
            lay.addWidget(self.commitButton)
        self.setUpButton = QPushButton("Set up")
        self.setUpButton.setObjectName(f"setUp_{step.id}")
        self.setUpButton.clicked.connect(lambda: panel.set_up(step.id))
        self.setUpButton.setVisible(bool(step.setup))
        lay.addWidget(self.setUpButton)
        if self.outcomeLabel is not None:  # below Set up: the guess's line, written on
            # Commit, pushed Set up down under the pointer that had just committed
            lay.addWidget(self.outcomeLabel)
        self._committed = False

    def committed(self) -> bool:
        return self._committed

    def show_guess(self, guess: str | None, outcome: str | None) -> None:
        """The question's state: open, or the committed guess (and what happened)."""
        if self.guessGroup is None:
            return
        self._committed = guess is not None
        self.setUpButton.setEnabled(guess is not None)
        if guess is not None and self.commitButton.hasFocus() and self.setUpButton.isVisible():
            # the next thing to press; a disabled focus widget would hand the focus on down
            # the panel, and the scroll area scrolled to it (under the student's pointer)
            self.setUpButton.setFocus(Qt.FocusReason.OtherFocusReason)
        for b in self.guessGroup.buttons():
            b.setEnabled(guess is None)
            if guess is not None and b.text() == guess:
                b.setChecked(True)
        self.commitButton.setEnabled(guess is None and self.guessGroup.checkedId() >= 0)
        self.setUpButton.setToolTip("" if guess is not None else
                                    "Commit a guess first: then run it and compare.")
        if guess is None:
            self.outcomeLabel.setText("")
        else:
            self.outcomeLabel.setText(f"Your guess: {guess}. What happened: "
                                      f"{outcome or 'run the step to see.'}")

    def show_goals(self, progress: Progress, now: dict[str, Result]) -> None:
        for g in self.step.goals:
            label = self.goalLabels[g.id]
            met = progress.met.get(g.id)
            r = now.get(g.id)
            if met is not None:  # met stays met; the text says what is measured now
                if r is None or r.met:
                    detail = (r or Result(g.id, True, None, met.get("detail", ""))).detail
                else:
                    detail = f"met before ({met.get('detail', '')}); now {r.detail}"
                label.setText(f"✔ {g.title} — {detail}")
                label.setStyleSheet(MET_STYLE)
            else:
                label.setText(f"○ {g.title}" + (f" — {r.detail}" if r is not None else ""))
                label.setStyleSheet(OPEN_STYLE)


class LessonPanel(QWidget):
    """``lessonPanel``: the chosen lesson's steps and checks."""

    progressChanged = Signal()  # a goal met, a guess committed, another lesson (project modified)
    setUpRequested = Signal(dict)  # a step's setup, for the host
    trainRequested = Signal()  # the panel's Train button, for the host

    def __init__(self, situation: Callable[[], Situation | None]) -> None:
        super().__init__()
        self.setObjectName("lessonPanel")
        self._situation = situation
        self.progress: Progress | None = None
        self.last: dict[str, Result] = {}
        self.checked = 0  # how many times the goals were measured (tests wait on it)
        self.asked = 0  # refreshes started: only the latest one's results are shown
        self.shown = 0  # the refresh whose results are shown (tests wait on it)
        self._after_run = False  # a run ended since the results last shown
        # a refresh asked while the session could not be read (data loading, a run): whether
        # it came after a run; None when none is waiting (``refresh_missed`` makes it)
        self._missed: bool | None = None
        # run_checks(work, done) -> started: measures (work) and shows (done); the host runs
        # work in a worker thread, by default it runs here
        self.run_checks: Callable[[Callable[[], list[Result]],
                                   Callable[[list[Result]], Any]], bool] = \
            lambda work, done: done(work()) is not False
        self.boxes: dict[str, _StepBox] = {}
        self._extra: list[tuple[Lesson, str]] = []  # lessons opened from files
        # the other lessons' progress this session, by id: choosing one again resumes it
        self.kept: dict[str, Progress] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.lessonCombo = QComboBox()
        self.lessonCombo.setObjectName("lessonCombo")
        self.lessonCombo.activated.connect(self._on_combo)
        self.lessonCombo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lessonCombo.setMinimumContentsLength(20)
        lay.addWidget(self.lessonCombo)
        self.introLabel = _label("", "lessonIntro")
        lay.addWidget(self.introLabel)
        self.progressLabel = _label("", "lessonProgress", "font-weight: bold;")
        lay.addWidget(self.progressLabel)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        # the step's tab (Watch, Evaluate, Autoencoder) has no Train button of its own
        self.trainButton = QPushButton("Train")
        self.trainButton.setObjectName("lessonTrainButton")
        self.trainButton.setToolTip("Train (or continue) the network as the Train tab's Train "
                                    "button does, from whichever tab the step shows; the "
                                    "checks are measured again after the run.")
        self.trainButton.clicked.connect(self.trainRequested)
        row.addWidget(self.trainButton)
        self.submitButton = QPushButton("Submit…")
        self.submitButton.setObjectName("lessonSubmitButton")
        row.addWidget(self.submitButton)
        lay.addLayout(row)
        self._fill_combo()
        self.set_lesson(builtin_lessons()[0], builtin_text(builtin_lessons()[0].id) or "")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """One width for every lesson (the dock does not move under the pointer when another
        lesson or tab is chosen); the height is the layout's."""
        return QSize(PREFERRED_WIDTH, super().sizeHint().height())

    # ---- choosing a lesson -------------------------------------------------------------
    def _choices(self) -> list[tuple[Lesson, str]]:
        return [(x, builtin_text(x.id) or "") for x in builtin_lessons()] + self._extra

    def _fill_combo(self) -> None:
        self.lessonCombo.clear()
        for lesson, _ in self._choices():
            self.lessonCombo.addItem(lesson.title, lesson.id)

    def _on_combo(self, index: int) -> None:
        lesson, text = self._choices()[index]
        if self.progress is None or lesson.id != self.progress.lesson.id:
            if self.progress is not None:
                self.kept[self.progress.lesson.id] = self.progress
            kept = self.kept.pop(lesson.id, None)
            self.set_lesson(lesson, text, kept if kept is not None and kept.lesson == lesson
                            else None)
            self.recheck_conditions()
            self.progressChanged.emit()

    def add_lesson(self, lesson: Lesson, text: str) -> None:
        """A lesson from a file: offered in the combo and shown now."""
        self._extra = [(x, t) for x, t in self._extra if x.id != lesson.id] + [(lesson, text)]
        self._fill_combo()
        self.set_lesson(lesson, text)
        self.progressChanged.emit()

    def set_lesson(self, lesson: Lesson, text: str, progress: Progress | None = None) -> None:
        self.progress = progress or Progress(lesson, text)
        self.last = {}
        ids = [self.lessonCombo.itemData(i) for i in range(self.lessonCombo.count())]
        if lesson.id not in ids:
            self._extra.append((lesson, text))
            self._fill_combo()
            ids = [self.lessonCombo.itemData(i) for i in range(self.lessonCombo.count())]
        self.lessonCombo.setCurrentIndex(ids.index(lesson.id))
        # the dock's width cuts a long title mid-word ("… and the learn"): said whole here
        self.lessonCombo.setToolTip(lesson.title)
        self.introLabel.setText(flow(lesson.text))
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 0, 0)
        self.boxes = {}
        for step in lesson.steps:
            box = _StepBox(step, self)
            self.boxes[step.id] = box
            col.addWidget(box)
        col.addStretch(1)
        self.scroll.setWidget(body)
        self._show()

    # ---- the student's actions ---------------------------------------------------------
    def set_up(self, step_id: str) -> None:
        step = self.boxes[step_id].step
        self.progress.step = step_id
        self.setUpRequested.emit(dict(step.setup))
        self.progressChanged.emit()

    def commit_guess(self, step_id: str) -> None:
        box = self.boxes[step_id]
        i = box.guessGroup.checkedId()
        if i < 0 or box.committed():
            return
        bar = self.scroll.verticalScrollBar()
        kept = bar.value()  # nothing moves under the pointer that pressed Commit
        self.progress.guess(step_id, box.step.predict.choices[i])
        self._show()
        bar.setValue(kept)
        self.progressChanged.emit()

    # ---- checking ----------------------------------------------------------------------
    def refresh(self, after_run: bool = False, tries: int = 40) -> None:
        """Re-measure every goal on the session now (through ``run_checks``: the host runs
        the measuring off the GUI thread). ``after_run``: a run has just finished, so a
        committed guess gets its outcome. A measuring that cannot start now (another job
        holds the model) is tried again shortly."""
        if self.progress is None:
            return
        s = self._situation()
        if s is None:  # busy: measured when it can be (an opened project's data loading)
            self._missed = bool(self._missed) or after_run
            return
        self._missed = None
        lesson = self.progress.lesson
        self.asked += 1
        ticket = self.asked
        started = self.run_checks(lambda: check_lesson(lesson, s),
                                  lambda results: self.apply(lesson, results, after_run, ticket))
        if not started and tries > 0:
            QTimer.singleShot(RETRY_MS, self, lambda: self.refresh(after_run, tries - 1))

    def refresh_missed(self) -> None:
        """The refresh asked while the session could not be read, now that it can."""
        if self._missed is not None:
            self.refresh(after_run=self._missed)

    def recheck_conditions(self) -> None:
        """Say again what each open goal needs of the data and network now (after a Set up,
        other data, an edit in the builder): only the conditions, read here at once and
        without the model, so that a Train pressed right after finds it free. What a run
        measures waits for ``refresh``; a goal measured before on a network that has been
        replaced by an untrained one says so (nothing to measure: read at once)."""
        s = self._situation()
        if s is None or self.progress is None:
            return
        lesson = self.progress.lesson
        for _, g in lesson.goals():
            why = unmet_condition({**(lesson.constraints or {}), **g.where}, s)
            old = self.last.get(g.id)
            if why:
                self.last[g.id] = Result(g.id, False, None, why)
            elif s.model is None and (old is not None or g.id in self.progress.met):
                self.last[g.id] = check_goal(g, s, lesson.constraints)
            elif old is not None and old.value is None:
                del self.last[g.id]  # it said what was missing then; nothing measured since
        self._show()

    def apply(self, lesson: Lesson, results: list[Result], after_run: bool = False,
              ticket: int | None = None) -> list[str]:
        """Show measured ``results`` of ``lesson``; the ids newly met. ``ticket``: which
        ``refresh`` measured them; the results of one that a later refresh overtook (it
        measured the session as it was before, e.g. the network before a Set up) are dropped,
        what they would have said after a run waits for the later one."""
        self._after_run = self._after_run or after_run
        if ticket is not None and ticket != self.asked:
            return []
        if self.progress is None or self.progress.lesson is not lesson:
            return []  # another lesson was chosen meanwhile
        after_run, self._after_run = self._after_run, False
        self.shown = self.asked
        self.last = {r.id: r for r in results}
        self.checked += 1
        new = self.progress.record(results)
        changed = bool(new)
        if after_run:
            for step in self.progress.lesson.steps:
                p = self.progress.predictions.get(step.id)
                r = self.last.get(step.predict.goal) if step.predict else None
                if p is not None and p["outcome"] is None and r is not None \
                        and r.value is not None:
                    p["outcome"] = r.detail
                    changed = True
        self._show()
        if changed:
            self.progressChanged.emit()
        return new

    def _show(self) -> None:
        p = self.progress
        for step in p.lesson.steps:
            box = self.boxes[step.id]
            box.show_goals(p, self.last)
            guess = p.predictions.get(step.id)
            box.show_guess(guess["guess"] if guess else None,
                           guess["outcome"] if guess else None)
            done = bool(step.goals) and p.step_done(step.id)
            box.titleLabel.setText(f"{'✔ ' if done else ''}{step.title}")
        goals = p.lesson.goals()
        met = sum(1 for _, g in goals if g.id in p.met)
        self.progressLabel.setText(f"{met} of {len(goals)} checks met"
                                   + (" — lesson complete!" if goals and met == len(goals)
                                      else ""))

    # ---- the project -------------------------------------------------------------------
    def state(self, trained: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """``lessons.json``: this lesson's progress and every other lesson's this session
        (``trained``: what the session's model was trained with)."""
        if self.progress is None:
            return None
        return bundle(self.progress, list(self.kept.values()), trained)

    def restore(self, current: Progress, others: list[Progress]) -> None:
        """A project's lessons: ``current`` shown, the others resumed when chosen."""
        self.kept = {p.lesson.id: p for p in others}
        for lesson, text in [(p.lesson, p.text) for p in [current, *others]]:
            if builtin_text(lesson.id) is None and all(x.id != lesson.id for x, _ in self._extra):
                self._extra.append((lesson, text))  # a teacher's lesson: offered again
        self._fill_combo()
        self.set_lesson(current.lesson, current.text, current)

    def goal_met(self, goal_id: str) -> bool:
        return self.progress is not None and goal_id in self.progress.met
