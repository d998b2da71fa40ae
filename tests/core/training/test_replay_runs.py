"""Replays of real runs: the probes' payloads of a 784-20-10 MLP on MNIST, kept frame by frame
within the budget and given back within the stated quantisation."""

from __future__ import annotations

import numpy as np

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_mnist
from nngui.core.insight.probes import live_probes
from nngui.core.model.builder import build_model
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.replay import FRAME_BUDGET, Replay
from nngui.core.training.train import train


class _Probes(Observer):
    def __init__(self):
        self.seen: list[tuple[str, int, object]] = []

    def on_probe(self, name, epoch, payload):
        self.seen.append((name, epoch, payload))


def test_an_mlp_run_replays_its_weights_hidden_space_and_confusion(mnist_path):
    preset = get_preset("mnist-784-20-10")
    spec, config = preset.spec(), preset.train_config()
    config.epochs, config.batch_size = 3, 256
    ds = load_mnist(mnist_path, allow_download=False)
    data = prepare(ds, spec)
    probes = live_probes(784, data.x_train, ds.y_train, data.x_test, ds.y_test)
    rec = _Probes()
    result = train(build_model(spec, 0), data, spec, config, rec, probes=probes)
    assert result.ok
    replay = Replay()
    sent: dict[int, dict[str, object]] = {}
    for name, epoch, payload in rec.seen:
        if replay.add(name, epoch, payload):
            sent.setdefault(epoch, {})[name] = payload
    assert replay.epochs() == sorted(sent) and replay.epochs()[-1] == 2
    for i, epoch in enumerate(replay.epochs()):
        got = replay.payloads(i)
        assert set(got) == {"hidden", "weights", "confusion"} == set(sent[epoch])
        want = sent[epoch]
        images = want["weights"]["images"]
        assert images.shape == (20, 28, 28)  # the layer's 20 units (of at most 36)
        scale = np.abs(images).max(axis=(1, 2), keepdims=True)
        assert np.all(np.abs(got["weights"]["images"] - images) <= scale / 254 + 1e-7)
        np.testing.assert_allclose(got["hidden"]["coords"], want["hidden"]["coords"],
                                   rtol=1e-3, atol=1e-3)
        np.testing.assert_array_equal(got["confusion"]["matrix"], want["confusion"]["matrix"])
        assert got["confusion"]["matrix"].shape == (10, 10)
        assert replay.frames[i].nbytes() <= FRAME_BUDGET
