"""A run's replay: frames give back what the probes sent (within the stated quantisation),
stay within the size budget, thin long runs, and survive their flat-array form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.training import replay as rp
from nngui.core.training.replay import KEEP_ALL, MAX_FRAMES, Replay, ReplayError

MB = 1_000_000


def boundary_payload(rng, res=60, tiles=(8, 8), classes=2):
    xs, ys = np.linspace(-2, 2, res), np.linspace(-1, 3, res)
    maps = [{"layer": n + 1, "name": f"dense_{n}", "units": t,
             "maps": rng.normal(0, 2, (t, res, res)).astype(np.float32)}
            for n, t in enumerate(tiles)]
    return {"xs": xs, "ys": ys, "classes": rng.integers(0, classes, (res, res)),
            "prob": rng.uniform(0.5, 1, (res, res)).astype(np.float32),
            "units": (rng.normal(size=(2, tiles[0])).astype(np.float32),
                      rng.normal(size=tiles[0]).astype(np.float32)),
            "unit_maps": maps,
            "x_train": rng.normal(size=(800, 2)).astype(np.float32),
            "y_train": rng.integers(0, classes, 800),
            "x_test": rng.normal(size=(600, 2)).astype(np.float32),
            "y_test": rng.integers(0, classes, 600)}


def hidden_payload(rng, n=600):
    return {"coords": rng.normal(0, 3, (n, 2)).astype(np.float32),
            "labels": rng.integers(0, 10, n), "method": "pca", "units": 20, "layer": "dense"}


def weights_payload(rng, count=36):
    return {"images": rng.normal(0, 0.05, (count, 28, 28)).astype(np.float32), "units": 20}


def confusion_payload(rng, k=10):
    return {"matrix": rng.integers(0, 60, (k, k))}


def check_close(name, got, sent):
    """``got`` (expanded) is ``sent`` within the quantisation the module states."""
    if name == "boundary":
        np.testing.assert_array_equal(got["classes"], sent["classes"])
        np.testing.assert_allclose(got["prob"], sent["prob"], atol=0.5 / 255 + 1e-6)
        for k in ("xs", "ys", "x_train", "x_test"):
            np.testing.assert_allclose(got[k], sent[k], rtol=1e-6)
        for k in ("y_train", "y_test"):
            np.testing.assert_array_equal(got[k], sent[k])
        np.testing.assert_array_equal(got["units"][0], sent["units"][0])
        assert len(got["unit_maps"]) == len(sent["unit_maps"])
        total = sum(len(m["maps"]) for m in sent["unit_maps"])
        step = rp.tile_step(total, sent["classes"].shape) if total else 1
        for g, s in zip(got["unit_maps"], sent["unit_maps"], strict=True):
            assert (g["layer"], g["name"], g["units"]) == (s["layer"], s["name"], s["units"])
            want = s["maps"][:, ::step, ::step]
            span = want.max() - want.min()
            np.testing.assert_allclose(g["maps"], want, atol=span / 255 + 1e-5)
    elif name == "hidden":
        np.testing.assert_allclose(got["coords"], sent["coords"], rtol=1e-3, atol=1e-3)
        np.testing.assert_array_equal(got["labels"], sent["labels"])
        assert (got["method"], got["units"], got["layer"]) == ("pca", 20, "dense")
    elif name == "weights":
        scale = np.abs(sent["images"]).max(axis=(1, 2), keepdims=True)
        np.testing.assert_allclose(got["images"], sent["images"], atol=float(scale.max()) / 254
                                   + 1e-7)
        assert got["units"] == sent["units"]
    else:
        np.testing.assert_array_equal(got["matrix"], sent["matrix"])


def test_a_frame_gives_back_every_view_it_kept():
    rng = np.random.default_rng(0)
    sent = {"boundary": boundary_payload(rng), "hidden": hidden_payload(rng),
            "weights": weights_payload(rng), "confusion": confusion_payload(rng)}
    r = Replay()
    for name, payload in sent.items():
        assert r.add(name, 3, payload)
    assert not r.add("dead_relu", 3, {"layers": []})  # not a replayed view
    got = r.payloads(0)
    assert set(got) == set(sent) and r.epochs() == [3]
    for name in sent:
        check_close(name, got[name], sent[name])


def test_a_network_without_the_layer_replays_as_none():
    r = Replay()
    r.add("hidden", 0, None)
    r.add("weights", 0, None)
    assert r.payloads(0) == {"hidden": None, "weights": None}


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 48), st.integers(10, 80), st.integers(0, 2 ** 32 - 1))
def test_unit_tiles_within_budget_and_one_255th_of_their_range(tiles, res, seed):
    rng = np.random.default_rng(seed)
    sent = boundary_payload(rng, res=res, tiles=(tiles,))
    frame, _ = rp.compact("boundary", sent)
    assert frame["maps"].nbytes <= rp.TILE_BUDGET
    r = Replay()
    r.add("boundary", 0, sent)
    check_close("boundary", r.payloads(0)["boundary"], sent)


@pytest.mark.parametrize("what", ["2-D net, 48 tiles", "784-20-10 MLP"])
def test_100_epochs_fit_in_5_mb(what):
    """The budget the module states: a frame ≤ 50 kB, so 100 epochs ≤ 5 MB, for the largest
    picture each kind of net sends (the most tiles; 36 weight images)."""
    rng = np.random.default_rng(1)
    r = Replay()
    for epoch in range(100):
        if what.startswith("2-D"):
            r.add("boundary", epoch, boundary_payload(rng, tiles=(32, 16)))
            r.add("confusion", epoch, confusion_payload(rng, 2))
        else:
            r.add("weights", epoch, weights_payload(rng))
            r.add("confusion", epoch, confusion_payload(rng, 10))
        r.add("hidden", epoch, hidden_payload(rng))
    assert len(r) == 100
    assert all(f.nbytes() <= rp.FRAME_BUDGET for f in r.frames)
    statics = sum(a.nbytes for v in r.static.values() for a in v.values())
    assert r.nbytes() - statics <= 5 * MB
    assert len(rp.pack({0: r})) <= 5 * MB  # and on disk, deflated


def test_a_long_run_is_thinned_and_keeps_its_first_and_newest_epochs():
    r = Replay()
    for epoch in range(2000):
        r.add("confusion", epoch, {"matrix": np.eye(2, dtype=np.int64) * epoch})
        assert len(r) <= MAX_FRAMES and r.epochs()[-1] == epoch
    epochs = r.epochs()
    assert epochs[:KEEP_ALL] == list(range(KEEP_ALL))
    later = np.diff(epochs[KEEP_ALL:-1])
    assert len(set(later.tolist())) == 1 and later[0] == r.stride > 1
    # every kept frame is its own epoch's
    for i, e in enumerate(epochs):
        assert r.payloads(i)["confusion"]["matrix"][1, 1] == e


def test_the_same_epoch_replaces_and_an_earlier_one_starts_again():
    r = Replay()
    for epoch in range(5):
        r.add("confusion", epoch, {"matrix": np.full((2, 2), epoch)})
    r.add("confusion", 4, {"matrix": np.full((2, 2), 40)})  # the epoch's end after mid-epoch
    assert r.epochs() == [0, 1, 2, 3, 4] and r.payloads(4)["confusion"]["matrix"][0, 0] == 40
    r.add("confusion", 0, {"matrix": np.full((2, 2), 7)})  # Train from scratch
    assert r.epochs() == [0] and r.payloads(0)["confusion"]["matrix"][0, 0] == 7
    r.add("confusion", 1, {"matrix": np.full((2, 2), 8)})
    r.add("confusion", 1, {"matrix": np.full((2, 2), 9)})
    assert r.epochs() == [0, 1]


def test_flat_arrays_and_the_packed_npz_give_the_same_replay():
    from nngui.core.platform.archives import load_npz

    rng = np.random.default_rng(2)
    r = Replay()
    for epoch in (0, 1, 2):
        r.add("boundary", epoch, boundary_payload(rng, res=20))
        r.add("hidden", epoch, hidden_payload(rng))
        r.add("weights", epoch, None)
    back = rp.unpack(load_npz(rp.pack({1: r}), 10 * MB), runs=2)
    assert list(back) == [1]
    b = back[1]
    assert b.epochs() == r.epochs() and b.stride == r.stride
    for i in range(3):
        one, two = r.payloads(i), b.payloads(i)
        assert two["weights"] is None
        np.testing.assert_array_equal(one["boundary"]["prob"], two["boundary"]["prob"])
        np.testing.assert_array_equal(one["hidden"]["coords"], two["hidden"]["coords"])


@pytest.mark.parametrize("damage", ["unknown key", "bad grid", "frame past end", "no epochs",
                                    "epochs not rising", "run out of range"])
def test_damaged_replays_are_one_clear_error(damage):
    rng = np.random.default_rng(3)
    r = Replay()
    r.add("boundary", 0, boundary_payload(rng, res=12))
    arrays = rp.to_arrays(r)
    runs = 1
    if damage == "unknown key":
        arrays["f0.boundary.evil"] = np.zeros(3)
    elif damage == "bad grid":
        arrays["f0.boundary.classes"] = np.zeros((5, 7), np.uint8)
    elif damage == "frame past end":
        arrays["f9.hidden.coords"] = np.zeros((3, 2), np.float16)
    elif damage == "no epochs":
        del arrays["epochs"]
    elif damage == "epochs not rising":
        arrays["epochs"] = np.array([0, 0])
    else:
        runs = 0
    with pytest.raises(ReplayError) as err:
        rp.unpack({f"r0.{k}": v for k, v in arrays.items()}, runs=runs)
    assert "\n" not in str(err.value) and "replays.npz" in str(err.value)
