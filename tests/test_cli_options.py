"""`nngui train` flags for the training options the GUI offers (early stopping, schedules…)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from nngui.cli import build_parser, run_cli
from nngui.cli_train import TRAIN_OVERRIDES
from nngui.core.network.spec import TrainConfig

# Performance knobs the GUI does not show either; every other TrainConfig field has a flag.
NOT_FLAGS = {"steps_per_execution", "jit_compile", "device"}


def test_every_training_option_of_the_gui_has_a_train_flag() -> None:
    fields = {f.name for f in dataclasses.fields(TrainConfig)} - NOT_FLAGS
    assert fields <= set(TRAIN_OVERRIDES)
    args = build_parser().parse_args([
        "train", "--validation-split", "0.2", "--early-stopping", "3", "--no-restore-best",
        "--reduce-lr-patience", "2", "--lr-schedule", "cosine", "--lr-step-epochs", "4",
        "--checkpoint", "best.keras", "--decay", "1e-6", "--epochs", "7"])
    got = {name: getattr(args, name) for name in TRAIN_OVERRIDES}
    assert got == {"epochs": 7, "batch_size": None, "seed": None, "validation_split": 0.2,
                   "early_stopping_patience": 3, "restore_best": False,
                   "reduce_lr_patience": 2, "lr_schedule": "cosine", "lr_step_epochs": 4,
                   "checkpoint_path": "best.keras"}
    assert args.decay == 1e-6
    # left out, each keeps what the spec file or preset says
    plain = build_parser().parse_args(["train"])
    assert all(getattr(plain, name) is None for name in TRAIN_OVERRIDES) and plain.decay is None


XOR = ["train", "--preset", "xor-3-4-1", "--dataset", "xor"]


@pytest.mark.parametrize("flags, fragment", [
    (["--early-stopping", "-1"], "--early-stopping: must be from 0"),
    (["--early-stopping", "two"], "must be a whole number"),
    (["--validation-split", "1.5"], "--validation-split: must be a number at least 0"),
    (["--validation-split", "nan"], "--validation-split"),
    (["--reduce-lr-patience", "1e9"], "--reduce-lr-patience"),
    (["--lr-schedule", "linear"], "invalid choice: 'linear'"),
    (["--lr-step-epochs", "0"], "--lr-step-epochs: must be from 1"),
    (["--decay", "-0.1"], "--decay: must be a number at least 0"),
    (["--decay", "inf"], "--decay"),
    (["--checkpoint", "best.h5"], "must end in .keras"),
    (["--checkpoint", "/no/such/dir/best.keras"], "best.keras"),
    (["--decay", "0.01", "--lr-schedule", "step"], "switch off either the decay"),
])
def test_bad_option_values_are_one_line_and_status_2(capsys, flags, fragment) -> None:
    try:
        status = run_cli(XOR + flags)
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and fragment in err[0], err
    assert err[0].startswith("nngui: error:")


def test_train_flags_reach_keras(tmp_path, capsys) -> None:
    best = tmp_path / "best.keras"
    status = run_cli(XOR + ["--epochs", "3", "--lr-schedule", "step", "--lr-step-epochs", "1",
                            "--checkpoint", str(best), "--validation-split", "0",
                            "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    doc = json.loads(out[-1])
    lr = doc["history"]["learning_rate"]  # the preset's rate, halved every epoch
    assert lr == pytest.approx([lr[0], lr[0] / 2, lr[0] / 4])
    assert best.is_file()


def test_early_stopping_flag_stops_a_run_that_stopped_improving(capsys) -> None:
    status = run_cli(XOR + ["--epochs", "400", "--early-stopping", "1", "--validation-split",
                            "0", "--lr-schedule", "step", "--lr-step-epochs", "1", "--json"])
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0
    assert doc["epochs"] < 400  # the halving rate soon stops improving the loss
