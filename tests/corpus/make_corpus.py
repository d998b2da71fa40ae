"""Write the bad-input corpus (run once; the files are committed).

    PYTHONPATH=. python tests/corpus/make_corpus.py

Every file here must be refused with one clear message: by the CLI (one stderr line, exit 2)
and by the GUI's File → Open (a message box, the previous network intact).
"""

from __future__ import annotations

import copy
import json
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).parent


def spec_cases() -> dict[str, str]:
    from nngui.core.presets import get_preset
    from nngui.core.spec import dump_json

    p = get_preset("mnist-784-20-10")
    base = json.loads(dump_json(p.spec(), p.train_config()))
    cnn = json.loads(dump_json(get_preset("mnist-cnn").spec()))

    def with_(path: tuple, value, doc=base) -> str:
        d = copy.deepcopy(doc)
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return json.dumps(d, allow_nan=True)

    dense = ("network", "layers", 0, "params")
    layers = cnn["network"]["layers"]
    conv = next(i for i, lay in enumerate(layers) if lay["type"] == "Conv2D")
    pool = next(i for i, lay in enumerate(layers) if lay["type"] == "MaxPooling2D")
    drop = {"type": "Dropout", "params": {"rate": "half"}}
    return {
        "units_abc.json": with_((*dense, "units"), "abc"),
        "units_null.json": with_((*dense, "units"), None),
        "units_list.json": with_((*dense, "units"), [20]),
        "units_infinity.json": with_((*dense, "units"), float("inf")),
        "units_1e400.json": with_((*dense, "units"), 1).replace('"units": 1', '"units": 1e400'),
        "units_fraction.json": with_((*dense, "units"), 3.7),
        "units_true.json": with_((*dense, "units"), True),
        "use_bias_no.json": with_((*dense, "use_bias"), "no"),
        "activation_unknown.json": with_((*dense, "activation"), "swishy"),
        "initializer_unknown.json": with_((*dense, "kernel_initializer"), "magic"),
        "alpha_negative.json": with_((*dense, "alpha"), -0.2),
        "pool_size_zero.json": with_(("network", "layers", pool, "params", "pool_size"), 0,
                                     cnn),
        "strides_zero.json": with_(("network", "layers", conv, "params", "strides"), 0, cnn),
        "padding_unknown.json": with_(("network", "layers", conv, "params", "padding"), "full",
                                      cnn),
        "dropout_half.json": with_(("network", "layers"), [drop, *base["network"]["layers"]]),
        "no_network.json": json.dumps({"schema_version": 1, "train": {}}),
        "schema_version_string.json": with_(("schema_version",), "1"),
        "schema_version_future.json": with_(("schema_version",), 99),
        "train_list.json": with_(("train",), [1]),
        "momentum_2.json": with_(("network", "optimizer_params"), {"momentum": 2},
                                 json.loads(with_(("network", "optimizer"), "sgd"))),
        "momentum_x.json": with_(("network", "optimizer_params"), {"momentum": "x"},
                                 json.loads(with_(("network", "optimizer"), "sgd"))),
        "learning_rate_fast.json": with_(("network", "learning_rate"), "fast"),
        "learning_rate_negative.json": with_(("network", "learning_rate"), -1),
        "learning_rate_zero.json": with_(("network", "learning_rate"), 0),
        "learning_rate_infinity.json": with_(("network", "learning_rate"), float("inf")),
        "kind_gan.json": with_(("network", "kind"), "gan"),
        "epochs_fraction.json": with_(("train", "epochs"), 2.5),
        "seed_abc.json": with_(("train", "seed"), "abc"),
        "seed_negative.json": with_(("train", "seed"), -1),
        "layer_type_unknown.json": with_(("network", "layers", 0, "type"), "Magic"),
        "deep_array.json": "[" * 100_000 + "]" * 100_000,
        "huge_integer.json": '{"network": ' + "9" * 5000 + "}",
        "ten_thousand_layers.json": json.dumps({"network": {
            "input_shape": [784], "layers": [{"type": "Dense"}] * 10_000}},
            separators=(",", ":")),
        "not_json.json": "{this is not json",
        "empty.json": "",
        "array.json": "[1, 2, 3]",
    }


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def main() -> None:
    import keras

    for name, text in spec_cases().items():
        (HERE / name).write_text(text, encoding="utf-8")
    (HERE / "binary.json").write_bytes(bytes(range(256)) * 4)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    good = HERE / "_good.keras"
    model.save(good)
    raw = good.read_bytes()
    (HERE / "truncated.keras").write_bytes(raw[: len(raw) // 2])
    flipped = bytearray(raw)
    for i in range(100, len(flipped), 97):
        flipped[i] ^= 0xFF
    (HERE / "flipped.keras").write_bytes(bytes(flipped))
    (HERE / "empty.keras").write_bytes(b"")
    (HERE / "not_a_model.keras").write_text("hello")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                      keras.layers.Lambda(lambda x: x * 2, name="evil_step")]).save(
        HERE / "lambda_layer.keras")
    good.unlink()
    ihdr = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 0, 0, 0, 0)
    (HERE / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
                                    + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000))
                                    + png_chunk(b"IEND", b""))
    (HERE / "truncated.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)[:10])
    (HERE / "text.png").write_text("not an image")


if __name__ == "__main__":
    main()
