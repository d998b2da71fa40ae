"""What the sweep status lines say: the sweep's name, its progress with the time left, how it
stopped or finished (plain text; ``run_list.RunsPanel`` runs the sweeps and shows these)."""

from __future__ import annotations


def sweep_title(name: str) -> str:
    """'LR sweep', 'Optimizer comparison': how the status lines name a sweep."""
    return "Optimizer comparison" if name == "optimizers" else name


def about(seconds: float) -> str:
    """A rough duration: '40 s', '2 min 40 s', '3 min', '1 h 5 min'."""
    s = max(1, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, rest = divmod(int(round(s / 10)) * 10, 60)
        return f"{m} min {rest} s" if rest else f"{m} min"
    h, m = divmod(int(round(s / 60)), 60)
    return f"{h} h {m} min" if m else f"{h} h"


def _runs(n: int) -> str:
    return "no run" if n == 0 else f"{n} run" + ("s" if n != 1 else "")


def sweep_progress(name: str, k: int, n: int, setting: str, seconds: list[float],
                   elapsed: float) -> str:
    """'LR sweep · run 2 of 5 · lr 0.01 · ~40 s left': the time left is the mean of the runs
    done so far times the runs left (this one's elapsed time taken off); none in run 1."""
    line = f"{sweep_title(name)} · run {k} of {n} · {setting}"
    if not seconds:
        return line
    mean = sum(seconds) / len(seconds)
    left = max(mean * (n - k), mean * (n - k + 1) - elapsed)
    return f"{line} · ~{about(left)} left" if left >= 1 else f"{line} · almost done"


def sweep_stopped(name: str, k: int, n: int, setting: str) -> str:
    """'LR sweep stopped in run 2 of 5 (lr 0.01); 1 run finished, 3 not started.'"""
    parts = [f"{_runs(k - 1)} finished"] + ([f"{n - k} not started"] if n > k else [])
    return (f"{sweep_title(name)} stopped in run {k} of {n} ({setting}); "
            f"{', '.join(parts)}. The stopped run is kept in the list.")


def sweep_not_started(name: str, k: int, n: int, setting: str) -> str:
    """A run the sweep could not start (no data, a network that cannot train) ends it."""
    return (f"{sweep_title(name)} ended: run {k} of {n} ({setting}) could not start; "
            f"{_runs(k - 1)} finished.")


def sweep_finished(name: str, done: int, seconds: float) -> str:
    """'LR sweep finished: 5 runs in 3 min 40 s.'"""
    return f"{sweep_title(name)} finished: {_runs(done)} in {about(seconds)}."
