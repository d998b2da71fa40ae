"""GUI tests run without a display: Qt must pick the offscreen platform before it loads."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
