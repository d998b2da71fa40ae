"""Write the small data the frozen-bundle checks read (packaging/check_bundle.sh).

    python packaging/checks/make_check_data.py [PATH/TO/mnist.npz]

From the real MNIST file (default ../shared/data/mnist.npz) it writes
``mnist-slice.npz`` (first 100 training and 500 test images, Keras mnist.npz layout,
~150 kB) and ``digits/digit-D.png``: the first test image of each digit D, scaled to
112x112 dark ink on white, as a user's scan would be. Deterministic: rerunning
gives the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parents[2] / "shared" / "data" / "mnist.npz"


def main(argv: list[str]) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    src = Path(argv[0]) if argv else DEFAULT
    with np.load(src) as d:
        xtr, ytr, xte, yte = d["x_train"], d["y_train"], d["x_test"], d["y_test"]
    np.savez_compressed(HERE / "mnist-slice.npz", x_train=xtr[:100], y_train=ytr[:100],
                        x_test=xte[:500], y_test=yte[:500])
    (HERE / "digits").mkdir(exist_ok=True)
    for digit in range(10):
        i = int(np.flatnonzero(yte == digit)[0])
        ink = np.ascontiguousarray(255 - xte[i])  # dark on light, as scanned
        img = QImage(ink.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
        img = img.scaled(112, 112, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
        img.save(str(HERE / "digits" / f"digit-{digit}.png"))
    print(f"wrote {HERE / 'mnist-slice.npz'} and {HERE / 'digits'}/digit-0..9.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
