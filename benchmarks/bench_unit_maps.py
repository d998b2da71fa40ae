"""What the per-unit activation maps add to the boundary probe, per call (= per epoch).

    python benchmarks/bench_unit_maps.py

The boundary probe runs in the training thread after every epoch (and every 200 batches of a
long epoch); with ``maps`` it also runs the hidden layers once more over its 60x60 grid.
Times the probe with and without the maps on 2-D presets and a wider net, median of
``--repeat`` calls after a warm-up. Prints one JSON object (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_dataset
    from nngui.core.insight.probes import BoundaryProbe, live_probes
    from nngui.core.model.builder import build_model
    from nngui.core.network.spec import NetworkSpec
    from nngui.core.training.presets import _dense, get_preset

    wide = NetworkSpec((2,), [_dense(32, "relu"), _dense(16, "relu"), _dense(8, "relu"),
                              _dense(2, "softmax")])
    nets = {name: (get_preset(name).spec(), get_preset(name).dataset)
            for name in ("mlp-2-4-2", "mlp-2-2-2", "perceptron-lifted")}
    nets["2-32-16-8-2"] = (wide, "moons")
    out: dict[str, dict[str, float]] = {}
    for name, (spec, dataset) in nets.items():
        ds = load_dataset(dataset)
        data = prepare(ds, spec)
        model = build_model(spec, 0)
        probe = next(p for p in live_probes(2, data.x_train, ds.y_train, data.x_test,
                                            ds.y_test, features=spec.features)
                     if isinstance(p, BoundaryProbe))
        row = {}
        for maps in (False, True, False, True):
            probe.maps = maps
            probe(model)  # warm-up
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                probe(model)
                times.append(1000 * (time.perf_counter() - t0))
            row["with_maps_ms" if maps else "without_maps_ms"] = round(statistics.median(times), 2)
        row["maps_cost_ms"] = round(row["with_maps_ms"] - row["without_maps_ms"], 2)
        out[name] = row
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
