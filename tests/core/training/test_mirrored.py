"""Training on "all GPUs" (MirroredStrategy), tested on a CPU split into two logical devices.

TensorFlow fixes its logical devices when it initialises, so the check runs in a fresh
process; the two CPU halves stand in for two GPUs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import dataclasses, json, sys
import numpy as np
from nngui.core.platform import runtime
tf = runtime.tf()
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
halves = [d.name for d in tf.config.list_logical_devices("CPU")]
from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_mnist
from nngui.core.training.presets import get_preset
from nngui.core.network.spec import TrainConfig
from nngui.core.training.train import Observer, RunRequest, Session, run_request

ds = load_mnist(sys.argv[1])
ds = dataclasses.replace(ds, x_train=ds.x_train[:1200], y_train=ds.y_train[:1200],
                         x_test=ds.x_test[:200], y_test=ds.y_test[:200])
# plain SGD: its step is proportional to the gradient, so a wrongly scaled sum over the
# replicas would show (Adam would hide it), and round-off is not amplified as in Adam's start
spec = dataclasses.replace(get_preset("mnist-784-20-10").spec(), optimizer="sgd",
                           learning_rate=0.1)
data = prepare(ds, spec)

class Rec(Observer):
    def __init__(self):
        self.info, self.points = None, []
    def on_begin(self, info):
        self.info = info
    def on_batches(self, epoch, step, points, logs):
        self.points += points

def run(device, batch, mirror):
    runtime.mirror_devices = lambda: list(mirror)
    rec = Rec()
    cfg = TrainConfig(epochs=2, batch_size=batch, seed=3, device=device,
                      steps_per_execution=1, jit_compile=False)
    session = Session(spec)
    result = run_request(RunRequest(session, data, cfg), rec)
    other = "cpu" if device == "all" else "all"
    runtime.mirror_devices = lambda: list(halves)
    switched = run_request(RunRequest(session, data, dataclasses.replace(cfg, device=other)),
                           Observer())
    return {"reason": result.reason, "message": result.message,
            "switched": [switched.reason, switched.message],
            "loss": result.history.get("loss"),
            "replicas": session.model.distribute_strategy.num_replicas_in_sync,
            "steps_per_epoch": rec.info.steps_per_epoch if rec.info else None,
            "points": len(rec.points), "describe": runtime.describe_device(device)}

print(json.dumps({"all": run("all", 16, halves), "one": run("cpu", 32, halves[:1]),
                  "fallback": run("all", 16, halves[:1]),
                  "all_full": run("all", 540, halves), "one_full": run("cpu", 1080, halves[:1])}))
"""


@pytest.fixture(scope="module")
def runs(mnist_path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3",
               CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(mnist_path)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_all_gpus_trains_one_copy_per_device_with_the_batch_per_device(runs):
    mirrored = runs["all"]
    assert mirrored["reason"] == "finished", mirrored["message"]
    assert mirrored["replicas"] == 2
    assert mirrored["describe"] == "2 GPUs (mirrored)"
    assert mirrored["steps_per_epoch"] == math.ceil(1080 / 32)  # 16 a device, two devices


def test_the_mirrored_curve_has_the_one_device_points_at_the_global_batch(runs):
    mirrored, one = runs["all"], runs["one"]
    assert one["replicas"] == 1 and one["steps_per_epoch"] == mirrored["steps_per_epoch"]
    assert mirrored["points"] == one["points"] > 0  # the live curve gets the same points
    assert len(mirrored["loss"]) == 2 and mirrored["loss"][1] < mirrored["loss"][0]


def test_a_mirrored_step_is_the_one_device_step_at_the_global_batch(runs):
    # One full-batch step an epoch: the shuffled order (which tf.data draws differently once
    # the pipeline is distributed) cannot matter, so the losses must agree to round-off.
    mirrored, one = runs["all_full"], runs["one_full"]
    assert mirrored["replicas"] == 2 and mirrored["steps_per_epoch"] == 1
    assert mirrored["loss"] == pytest.approx(one["loss"], rel=1e-5)


def test_all_gpus_with_one_device_trains_on_it_unmirrored(runs):
    fallback = runs["fallback"]
    assert fallback["reason"] == "finished" and fallback["replicas"] == 1
    assert fallback["steps_per_epoch"] == math.ceil(1080 / 16)


def test_switching_to_or_from_all_gpus_asks_for_restart(runs):
    for key in ("all", "one"):
        reason, message = runs[key]["switched"]
        assert reason == "error" and "Restart" in message
