#!/usr/bin/env bash
# Frozen-app checks: run the bundle the way a user would and fail on any wrong answer.
#
#   packaging/check_bundle.sh DIST_DIR [PYTHON]
#
# DIST_DIR holds the frozen `nngui` (or nngui.exe) and `_internal/`.  PYTHON (any
# Python 3, default python3) only parses the JSON the app prints.  Checks:
#   --version; selftest (train XOR with TF/Keras, save, reload); predict with the
#   bundled CNN and MLP on 10 digit scans (each must be read right); evaluate of the
#   bundled CNN (accuracy >= 0.97) and autoencoder (reconstruction MSE <= 0.06) on a
#   600-image MNIST slice; the GUI opened offscreen for a few seconds: its window must
#   come up, it must exit 0, and its output must hold no Python traceback.
# Exit status 0 only when every check passed.  Prints the GUI's start-up time.
set -uo pipefail

DIST="${1:?usage: check_bundle.sh DIST_DIR [PYTHON]}"
PY="${2:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKS="$HERE/checks"
EXE="$DIST/nngui"
[[ -f "$DIST/nngui.exe" ]] && EXE="$DIST/nngui.exe"
MODELS="$DIST/_internal/nngui/resources/models"
TIMEOUT="${CHECK_TIMEOUT:-600}"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
LOGDIR="$(mktemp -d)"
trap 'rm -rf "$LOGDIR"' EXIT
# Windowed builds on Windows/macOS have no console: the launcher writes here instead.
export NNGUI_CONSOLE_LOG="$LOGDIR/console.log"
failed=()

# run NAME CMD...: run a check, keep its output in $LOGDIR/NAME.out, show it on failure.
run() {
    local name="$1"; shift
    local t0=$SECONDS rc
    : >"$NNGUI_CONSOLE_LOG"
    timeout "$TIMEOUT" "$@" >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err"
    rc=$?
    cat "$NNGUI_CONSOLE_LOG" >>"$LOGDIR/$name.out"
    if ((rc != 0)); then
        echo "check $name: FAILED (exit $rc, $((SECONDS - t0)) s): $*"
        tail -n 30 "$LOGDIR/$name.err" "$LOGDIR/$name.out" | sed 's/^/    /'
        failed+=("$name")
        return 1
    fi
    echo "check $name: exit 0 ($((SECONDS - t0)) s)"
}

# verify NAME PYTHON-EXPR: the last stdout line of check NAME is JSON `d`; EXPR must hold.
verify() {
    local name="$1" expr="$2"
    if ! tail -n 1 "$LOGDIR/$name.out" | "$PY" -c "
import json, sys
d = json.loads(sys.stdin.read())
ok = bool($expr)
print('    ' + json.dumps({k: v for k, v in d.items() if k != 'predictions'})[:300])
sys.exit(0 if ok else 1)"; then
        echo "check $name: WRONG RESULT (wanted $expr)"
        failed+=("$name-result")
    else
        echo "check $name: result ok"
    fi
}

if [[ ! -f "$EXE" ]]; then
    echo "check_bundle: no executable at $EXE" >&2
    exit 1
fi

run version "$EXE" --version && grep -q "^nngui [0-9]" "$LOGDIR/version.out" \
    || { echo "check version: unexpected output: $(cat "$LOGDIR/version.out")"; failed+=(version-text); }
run selftest "$EXE" selftest --json && verify selftest 'd["ok"]'

# Each digit scan is digit-D.png; every one must be read as D.
digits=("$CHECKS"/digits/digit-*.png)
read_right='all(p["digit"] == int(p["image"][-5]) for p in d["predictions"]) and len(d["predictions"]) == 10'
for model in mnist_cnn mnist_mlp; do
    run "predict-$model" "$EXE" predict --json --model "$MODELS/$model.keras" "${digits[@]}" \
        && verify "predict-$model" "$read_right"
done
run evaluate-mnist_cnn "$EXE" evaluate --json --model "$MODELS/mnist_cnn.keras" \
    --dataset mnist --data "$CHECKS/mnist-slice.npz" \
    && verify evaluate-mnist_cnn 'd["n"] == 500 and d["accuracy"] >= 0.97'
run evaluate-autoencoder_2d "$EXE" evaluate --json --model "$MODELS/autoencoder_2d.keras" \
    --dataset mnist --data "$CHECKS/mnist-slice.npz" \
    && verify evaluate-autoencoder_2d 'd["reconstruction_mse"] <= 0.06'

# The GUI: launcher.py quits it after NNGUI_SMOKE_SECONDS and prints when the window came up.
NNGUI_SMOKE_SECONDS="${SMOKE_SECONDS:-6}" NNGUI_SMOKE_T0="$(date +%s.%N)" run gui "$EXE"
cat "$LOGDIR/gui.out" "$LOGDIR/gui.err" >"$LOGDIR/gui.all"
if ! grep -q "nngui-smoke: window up.*MainWindow" "$LOGDIR/gui.all"; then
    echo "check gui: the main window never came up"; failed+=(gui-window)
fi
if grep -qE "Traceback|Fatal Python error|Segmentation fault" "$LOGDIR/gui.all"; then
    echo "check gui: a traceback or crash in the GUI's output:"
    sed 's/^/    /' "$LOGDIR/gui.all" | tail -n 40
    failed+=(gui-traceback)
fi
grep -h "nngui-smoke:" "$LOGDIR/gui.all" | sed 's/^/    /'

if ((${#failed[@]})); then
    echo "FROZEN CHECKS FAILED: ${failed[*]}"
    exit 1
fi
echo "FROZEN CHECKS PASSED"
