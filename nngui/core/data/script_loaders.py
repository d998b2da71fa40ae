"""The ``load_data`` functions written into exported scripts: each makes what datasets.py makes.

Every function returns ``(x_train, y_train), (x_test, y_test)`` with integer class labels (or
real targets for the curve), exactly the arrays nngui trains on before reshaping and encoding;
tests/core/files/test_export_python.py holds each one equal to :func:`nngui.core.data.datasets.load_dataset`.
"""

from __future__ import annotations

_MNIST = '''
def load_data(path=None):
    """MNIST: 60,000 training and 10,000 test digits, 28x28 grey values 0..255.

    Read from --data PATH, else $NNGUI_MNIST, else the file nngui used, else downloaded by Keras.
    """
    if path and not os.path.isfile(path):
        raise SystemExit(f"The MNIST file {path} does not exist: check --data.")
    path = path or os.environ.get("NNGUI_MNIST") or MNIST_PATH
    if path and os.path.isfile(path):
        with np.load(path) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    try:
        return keras.datasets.mnist.load_data()
    except Exception as exc:  # offline, or a download cut short: one line, not a traceback
        raise SystemExit(f"MNIST is not on this machine and could not be downloaded "
                         f"({exc.__class__.__name__}); give the file with --data PATH or "
                         f"NNGUI_MNIST=PATH.") from None
'''

_DIGITS = '''
def load_data(path=None):
    """scikit-learn's 1,797 8x8 digits, scaled /16 and upscaled into 28x28 frames like MNIST."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    raw = load_digits()
    small = raw.images.astype(np.float32) / 16.0
    big = np.clip(zoom(small, (1, 2.5, 2.5), order=1), 0.0, 1.0)  # 8x8 -> 20x20
    x = np.zeros((len(big), 28, 28), dtype=np.float32)
    x[:, 4:24, 4:24] = big  # centred in a black 28x28 frame
    y = raw.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=DATA_SEED, stratify=y)
    return (x_train, y_train), (x_test, y_test)
'''

_XOR = '''
def load_data(path=None):
    """The XOR truth table; the third input is a constant 1 that acts as a bias."""
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return (x, y), (x.copy(), y.copy())  # the test set is the same 4 samples
'''

_SPLIT = '''
def split(x, y, n_train=800):
    """First 800 points for training, the other 200 for testing."""
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
'''

_MOONS = _SPLIT + '''

def load_data(path=None):
    """Two interleaving half circles, 1,000 noisy 2-D points."""
    from sklearn.datasets import make_moons

    return split(*make_moons(n_samples=1000, noise=0.2, random_state=DATA_SEED))
'''

_CIRCLES = _SPLIT + '''

def load_data(path=None):
    """A ring around a core, 1,000 noisy 2-D points."""
    from sklearn.datasets import make_circles

    return split(*make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=DATA_SEED))
'''

_BLOBS = _SPLIT + '''

def load_data(path=None):
    """Two gaussian blobs around (-1.5, -1.5) and (1.5, 1.5): linearly separable."""
    from sklearn.datasets import make_blobs

    centres = np.array([[-1.5, -1.5], [1.5, 1.5]])
    x, y = make_blobs(n_samples=1000, centers=centres, cluster_std=0.5, random_state=DATA_SEED)
    # reflect the rare point across the line x0 + x1 = 0 back to its own side
    wrong = x.sum(axis=1) * np.where(y == 1, 1.0, -1.0) < 0
    x[wrong] -= x[wrong].sum(axis=1, keepdims=True)
    return split(x, y)
'''

_SPIRAL = _SPLIT + '''

def load_data(path=None):
    """Two interleaved spiral arms (1.5 turns each), 500 noisy points per arm."""
    rng = np.random.default_rng(DATA_SEED)
    xs, ys = [], []
    for k in range(2):
        t = rng.uniform(0.05, 1.0, 500)
        theta = t * 3 * np.pi + k * np.pi
        r = 2.5 * t
        pts = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
        xs.append(pts + rng.normal(0.0, 0.2, pts.shape))
        ys.append(np.full(500, k))
    order = rng.permutation(1000)
    return split(np.concatenate(xs)[order], np.concatenate(ys)[order])
'''

_REGRESSION = '''
def load_data(path=None):
    """A noisy curve y = sin(2x) + 0.3x + N(0, 0.1) for 1,000 x uniform in [-3, 3]."""
    rng = np.random.default_rng(DATA_SEED)
    x = rng.uniform(-3.0, 3.0, size=(1000, 1))
    y = np.sin(2 * x) + 0.3 * x + rng.normal(0.0, 0.1, size=x.shape)
    x, y = x.astype(np.float32), y.astype(np.float32)
    return (x[:800], y[:800]), (x[800:], y[800:])
'''

_FILE = '''
def load_data(path=None):
    """Your data file, read as nngui reads it: a CSV (see load_csv) or an NPZ with x_train,
    y_train (and x_test, y_test, else 20 % are held out)."""
    path = path or DATA_PATH
    if os.path.splitext(path)[1].lower() in (".csv", ".tsv", ".txt"):
        return load_csv(path)
    with np.load(path) as f:
        keys = set(f.files)
        if {"x_train", "y_train"} <= keys:
            x, y = f["x_train"], f["y_train"]
            test = (f["x_test"], f["y_test"]) if {"x_test", "y_test"} <= keys else None
        elif {"x", "y"} <= keys:
            x, y, test = f["x"], f["y"], None
        else:
            raise SystemExit(f"{path} needs arrays x_train, y_train (or x, y); it has {sorted(keys)}")
    if test is None:
        cut = int(0.8 * len(x))
        x, y, test = x[:cut], y[:cut], (x[cut:], y[cut:])
    return (x, y), test


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path):
    """A numeric CSV: an optional header row, the label column named label/y/target/class
    (else the last one); text or whole-number labels become classes 0..n-1, real numbers a
    regression target. 20 % are held out for the test, stratified, seed 0, as in nngui."""
    import csv

    with open(path, encoding="utf-8-sig") as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    first = lines[0]
    delimiter = max((",", ";", "\\t"), key=first.count) if any(d in first for d in ",;\\t") else ","
    rows = [[c.strip() for c in r] for r in csv.reader(lines, delimiter=delimiter)]
    header = all(not _is_number(c) for c in rows[0]) or (
        len(rows) < 2 and not all(_is_number(c) for c in rows[0])) or (
        len(rows) > 1 and any(not _is_number(a) and _is_number(b)
                              for a, b in zip(rows[0], rows[1])))
    names = [h.lower() for h in rows[0]] if header else []
    data = rows[1:] if header else rows
    width = len(data[0])
    label = next((names.index(c) for c in ("label", "y", "target", "class") if c in names),
                 width - 1)
    x = np.array([[float(r[j]) for j in range(width) if j != label] for r in data], "float32")
    labels = np.array([r[label] for r in data])
    try:
        values = labels.astype("float64")
    except ValueError:
        values = None  # text labels: classes in sorted order
    if values is not None and (np.any(values != np.round(values)) or len(np.unique(values)) > 100):
        y = values.astype("float32").reshape(-1, 1)  # real numbers: a regression target
        classify = False
    else:
        y = np.unique(np.char.strip(labels) if values is None else values,
                      return_inverse=True)[1].ravel().astype("int64")
        classify = True
    if len(x) < 10:
        return (x, y), (x.copy(), y.copy())  # too few to hold any out
    try:
        from sklearn.model_selection import train_test_split  # what nngui splits with
    except ImportError:
        order = np.random.default_rng(0).permutation(len(x))
        cut = len(x) - int(np.ceil(0.2 * len(x)))
        return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])
    try:
        parts = train_test_split(x, y, test_size=0.2, random_state=0,
                                 stratify=y if classify else None)
    except ValueError:  # a class too small to stratify
        parts = train_test_split(x, y, test_size=0.2, random_state=0)
    x_train, x_test, y_train, y_test = parts
    return (x_train, y_train), (x_test, y_test)
'''

LOADERS: dict[str, str] = {
    "mnist": _MNIST, "digits": _DIGITS, "xor": _XOR, "moons": _MOONS, "circles": _CIRCLES,
    "blobs": _BLOBS, "spiral": _SPIRAL, "regression": _REGRESSION, "file": _FILE,
}

# Which loaders return 0..255 pixels that the script divides by 255 (as nngui does on load).
SCALED_255 = {"mnist"}
