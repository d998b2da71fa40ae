"""The Train tab's status line and progress text come from the run's state, so nothing that
arrives after a run has ended (a late batch bundle, a status note, a Stop, a redraw) can bring
back "Training · accuracy 95.2 % · ETA 0:00" or undo "Stopped after 1 epoch"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nngui.core.training.observer import RunInfo, RunResult
from nngui.core.training.status import STOPPING_TEXT, RunStatus

INFO = RunInfo(epochs=3, initial_epoch=1, steps_per_epoch=10, steps_per_execution=2,
               jit_compile=False, n_train=600, n_val=60)
LOGS = {"accuracy": 0.952, "loss": 0.1234}


def _running(now: float = 0.0) -> RunStatus:
    status = RunStatus()
    status.start("Training")
    status.say("Training on CPU…")
    status.begin(INFO)
    status.batches(1, 4, LOGS, now)
    status.batches(1, 8, LOGS, now + 1.0)
    return status


def test_a_run_says_what_it_does_while_it_goes():
    status = RunStatus()
    assert status.status_line() == ("", False) and status.progress(0.0) is None
    status.start("Fine-tuning the drawing model")
    assert status.status_line() == ("Fine-tuning the drawing model · starting…", False)
    assert status.progress(0.0).maximum == 0  # busy: the model compiles
    status.say("Building the model…")
    assert status.status_line()[0] == "Building the model…"
    status = _running()
    assert status.status_line() == ("Training · accuracy 95.2 % · loss 0.1234", False)
    bar = status.progress(1.0)
    assert (bar.value, bar.maximum) == (8, 30)
    assert bar.text == "Epoch 2/4 · batch 8/10 · ETA 0:06"  # 4 batches a second: 5.5 s left
    status.stop_requested()
    assert status.status_line() == (STOPPING_TEXT, False)
    assert status.progress(1.0).text.endswith("stopping")


def test_the_end_is_all_a_run_says_after_it():
    status = _running()
    status.end(RunResult("finished", 4, {}, 2.5, "Trained 4 epochs."))
    assert status.status_line() == ("Trained 4 epochs. This run took 2.5 s.", False)
    assert status.progress(9.0).text == "Epoch 4/4 · batch 10/10 · done"
    status = _running()
    status.end(RunResult("stopped", 1, {}, 1.0, "Stopped after 1 epoch."))
    assert status.status_line()[0].startswith("Stopped after 1 epoch.")
    assert status.progress(9.0).text == "Epoch 2/4 · batch 8/10 · stopped"
    status = _running()
    status.end(RunResult("nan", 1, {}, 1.0, "The loss became NaN/inf …"))
    assert status.status_line() == ("The loss became NaN/inf …", True)


def test_a_refusal_is_said_until_the_next_run():
    status = _running()
    status.end(RunResult("stopped", 1, {}, 1.0, "Stopped after 1 epoch."))
    status.refuse("This network is in use by another job")
    assert status.status_line() == ("This network is in use by another job", True)
    status.start()
    assert status.status_line() == ("Training · starting…", False)


LATE = st.one_of(
    st.tuples(st.just("batches"), st.integers(0, 5), st.integers(0, 12)),
    st.tuples(st.just("say"), st.sampled_from(["Training on CPU…", "Building the model…"])),
    st.tuples(st.just("stop")),
    st.tuples(st.just("begin")),
)


@given(st.sampled_from(["finished", "stopped", "nan", "error"]), st.lists(LATE, max_size=8),
       st.floats(0, 1e4))
def test_nothing_after_the_end_changes_what_is_said(reason, late, now):
    status = _running()
    status.end(RunResult(reason, 1, {}, 1.0, f"The run {reason}."))
    said = status.status_line(), status.progress(now)
    for event in late:
        if event[0] == "batches":
            status.batches(event[1], event[2], LOGS, now)
        elif event[0] == "say":
            status.say(event[1])
        elif event[0] == "stop":
            status.stop_requested()
        else:
            status.begin(INFO)
        assert (status.status_line(), status.progress(now)) == said
    assert "Training ·" not in said[0][0] and "ETA" not in said[1].text


def test_a_continued_run_says_which_epochs_it_trained():
    """A Continue's status gives this run's time: its words name this run's epochs, not
    "Trained 5 epochs" of a run that trained two of them."""
    from nngui.core.training.train import trained_text

    assert trained_text(0, 3) == "Trained 3 epochs."
    assert trained_text(0, 1) == "Trained 1 epoch."
    assert trained_text(3, 5) == "Trained epochs 4–5 (5 in all)."
    assert trained_text(4, 5) == "Trained epoch 5 (5 in all)."


def test_continue_names_its_own_epochs_in_the_result():
    import numpy as np

    from nngui.core.data.adapt import Prepared
    from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
    from nngui.core.training.observer import Observer
    from nngui.core.training.session import RunRequest, Session
    from nngui.core.training.train import run_request

    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 3, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.01)
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    data, session = Prepared(x, y, x[:4], y[:4], None), Session(spec)
    cfg = TrainConfig(epochs=3, batch_size=8, seed=0)
    first = run_request(RunRequest(session, data, cfg), Observer())
    assert first.message == "Trained 3 epochs."
    again = run_request(RunRequest(session, data, TrainConfig(epochs=2, batch_size=8, seed=0)),
                        Observer())
    assert again.reason == "finished" and again.message == "Trained epochs 4–5 (5 in all)."
