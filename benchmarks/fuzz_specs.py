"""Count outcomes of the spec fuzzing (the hardening issue's closing-note table).

    PYTHONPATH=. python benchmarks/fuzz_specs.py [N_SUMMARY] [N_TRAIN]

Runs the strategies of tests/test_spec_fuzz.py through `nngui summary` and `nngui train`
in-process and prints, per path: accepted (exit 0), clean refusal (exit 2, one line),
internal error (exit 1) and escaped exceptions (tracebacks).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_spec_fuzz import JSON, XOR_DOCS, _run_doc, mutated  # noqa: E402


def count(strategy, argv: tuple[str, ...], n: int) -> Counter:
    """Outcome counts of ``n`` generated documents through one CLI command."""
    seen: Counter = Counter()

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(doc) -> None:
        try:
            rc, err = _run_doc(doc, *argv)
        except BaseException as exc:  # noqa: BLE001 - counting, not handling
            seen[f"traceback ({type(exc).__name__})"] += 1
            return
        lines = [ln for ln in err.splitlines() if not ln.startswith(("hint:", "data:"))]
        if rc == 0:
            seen["accepted"] += 1
        elif rc == 2 and len(lines) == 1:
            seen["clean"] += 1
        else:
            seen[f"exit {rc}: {lines[-1][:80] if lines else ''}"] += 1

    one()
    return seen


if __name__ == "__main__":
    n_summary = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    for name, strategy, argv, n in (
            ("summary, arbitrary JSON", JSON, ("summary", "--json"), n_summary // 2),
            ("summary, mutated presets", mutated(), ("summary", "--json"), n_summary // 2),
            ("train, mutated XOR preset", mutated(XOR_DOCS),
             ("train", "--dataset", "xor", "--epochs", "2", "--device", "cpu"), n_train)):
        c = count(strategy, argv, n)
        print(f"{name:<28} n={sum(c.values()):>5}  " + "  ".join(f"{k}: {v}" for k, v in
                                                              sorted(c.items())), flush=True)
