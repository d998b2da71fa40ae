"""The session's run list and its transitions (mixed into ``SessionState``, core/files/state).

The runs are ``RunRecord`` values (core/training/runs.py) in ``SessionState.runs``; the run in
progress is ``SessionState.live`` (a ``LiveRun``: its epochs so far and its replay) until it
ends. Every change is a transition written once here, and each notifies the state's observers
with "runs" (the list changed) or "live" (a run began): the Watch tab's run
list, its plot and the lesson checks read the runs from the state, never from a copy.

- ``run_began(key, name, settings)``: a run started; ``key`` (a training session, held
  weakly) is what made it: a later run of the same key (Continue) goes on with its record.
- ``run_progressed(epoch, logs)``, ``frame_kept(view, epoch, payload)``: an epoch, a replayed
  view's frame of the run in progress.
- ``run_ended(name, settings, history, reason, key)``: the run's record joins the list, or
  replaces the one it continues (which keeps its name).
- ``run_renamed``, ``run_removed``, ``run_restored`` (an undone removal): the user's edits.
- ``run_listed(records)``: the whole list replaced (an opened project's runs, File → New).

A run in progress is part of what a save writes (``runs_with_live``: its epochs so far, the
reason ``IN_PROGRESS``), so an autosave during a run keeps it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from nngui.core.training.runs import RunRecord, numbered, with_epochs

IN_PROGRESS = "in progress when autosaved"  # the reason of a run saved while it trained


@dataclass
class LiveRun:
    """The run in progress: what made it (weakly), the run it continues (its ``uid``, or
    None: a new run), the name and settings it would be listed with, its epochs so far
    ((0-based epoch, logs)) and its replay (made at its first frame)."""

    key: Callable[[], Any]
    continues: int | None
    name: str
    settings: dict[str, Any]
    epochs: list[tuple[int, dict]] = field(default_factory=list)
    replay: Any = None


def _weak(key: Any) -> Callable[[], Any]:
    """A weak reference to ``key`` (a training session: a strong one kept every model of the
    whole session alive, ~12 MB per new network); a key that cannot be one is kept as is."""
    if key is None:
        return lambda: _NOBODY
    try:
        return weakref.ref(key)
    except TypeError:  # a string, say: nothing big to keep alive
        return lambda: key


_NOBODY = object()  # what a run no session of this process made answers: `is` no key


class RunListState:
    """The run list's transitions (mixed into SessionState; see the module docstring)."""

    runs: list[RunRecord]
    live: LiveRun | None
    _run_keys: dict[int, Callable[[], Any]]

    def _notify(self, what: str) -> None:  # SessionState's
        raise NotImplementedError

    def edited(self, what: str = "edit") -> None:  # SessionState's
        raise NotImplementedError

    # ---- derived ---------------------------------------------------------------------
    def run_of(self, key: Any) -> int | None:
        """The index of the run ``key`` made (None: none in the list)."""
        if key is None:
            return None
        for i, rec in enumerate(self.runs):
            ref = self._run_keys.get(rec.uid)
            if ref is not None and ref() is key:
                return i
        return None

    def index_of(self, uid: int | None) -> int | None:
        """The index of the run ``uid`` names (None: not in the list)."""
        return next((i for i, r in enumerate(self.runs) if r.uid == uid), None)

    def live_record(self) -> tuple[int | None, RunRecord] | None:
        """The run in progress as it would be listed now: (the index of the run it continues,
        or None, its record with the epochs so far), or None without one."""
        live = self.live
        if live is None:
            return None
        i = self.index_of(live.continues)
        if i is not None:
            earlier = self.runs[i]
            return i, replace(earlier, history=with_epochs(earlier.history, live.epochs),
                              reason=IN_PROGRESS, replay=live.replay or earlier.replay)
        return None, RunRecord(numbered(self.runs, live.name), live.settings,
                               with_epochs({}, live.epochs), IN_PROGRESS, live.replay or None)

    def runs_with_live(self) -> list[RunRecord]:
        """The runs as a save writes them: the run in progress too, with its epochs so far."""
        runs = list(self.runs)
        live = self.live_record()
        if live is not None:
            i, rec = live
            if i is None:
                runs.append(rec)
            else:
                runs[i] = rec
        return runs

    # ---- transitions -----------------------------------------------------------------
    def run_began(self, key: Any, name: str, settings: dict[str, Any]) -> None:
        """A run started (``key``: what made it; a Continue goes on with that key's run)."""
        i = self.run_of(key)
        self.live = LiveRun(_weak(key), None if i is None else self.runs[i].uid, name,
                            settings)
        self._notify("live")

    def run_progressed(self, epoch: int, logs: dict) -> None:
        """An epoch of the run in progress ended (0-based ``epoch``, its ``logs``). Quiet:
        the Train tab draws the epochs as they come, and on small data they come by the
        thousand a second (a notification each redrew the window's title and status)."""
        if self.live is not None:
            self.live.epochs.append((epoch, dict(logs)))

    def frame_kept(self, view: str, epoch: int, payload: Any) -> bool:
        """A replayed view's payload into the replay of the run in progress (a Continue
        extends its run's replay); False when no run is in progress or ``view`` is not
        replayed. Quiet: the Watch tab draws the frames as they come."""
        live = self.live
        if live is None:
            return False
        if live.replay is None:
            from nngui.core.training.replay import Replay

            i = self.index_of(live.continues)
            earlier = self.runs[i].replay if i is not None else None
            live.replay = earlier if earlier is not None else Replay()
        return live.replay.add(view, epoch, payload)

    def run_ended(self, name: str, settings: dict[str, Any], history: dict[str, list[float]],
                  reason: str, key: Any = None) -> RunRecord:
        """The run ended: its record (a new one, numbered: "#3 ``name``") joins the list, or
        replaces the run it continues (whose name stays). Returns the record."""
        live, self.live = self.live, None
        hist = {k: list(v) for k, v in history.items()}
        replay = live.replay if live is not None and live.replay is not None and \
            len(live.replay) else None
        i = self.index_of(live.continues) if live is not None else self.run_of(key)
        if i is not None:
            rec = replace(self.runs[i], settings=settings, history=hist, reason=reason,
                          replay=replay if replay is not None else self.runs[i].replay)
            self.runs[i] = rec
        else:
            rec = RunRecord(numbered(self.runs, name), settings, hist, reason, replay)
            self.runs.append(rec)
            self._run_keys[rec.uid] = live.key if live is not None else _weak(key)
        self.edited("runs")
        return rec

    def run_renamed(self, index: int, name: str) -> None:
        """The user named run ``index`` ``name`` (blank: kept as it was)."""
        name = " ".join(name.split())
        if name and name != self.runs[index].name:
            self.runs[index] = replace(self.runs[index], name=name)
            self.edited("runs")

    def run_removed(self, index: int) -> RunRecord:
        """Run ``index`` left the list; returns it (``run_restored`` puts it back)."""
        rec = self.runs.pop(index)
        self.edited("runs")
        return rec

    def run_restored(self, index: int, record: RunRecord) -> None:
        """A removed run is back at ``index`` (an Undo): the same run, its session's too."""
        self.runs.insert(min(max(index, 0), len(self.runs)), record)
        self.edited("runs")

    def run_listed(self, records: list[RunRecord]) -> None:
        """The whole list replaced (an opened project's runs: no session of this process
        made them)."""
        self.runs = list(records)
        self._run_keys = {}
        self._notify("runs")
