#!/usr/bin/env bash
# Build the nngui one-folder bundle with PyInstaller, then run its frozen self-test.
#
#   packaging/build.sh [--install] [--no-clean] [--skip-selftest]
#
#   --install        pip install -e ".[package]" first (nngui + PyInstaller)
#   --no-clean       reuse PyInstaller's cache in build/ (faster rebuilds)
#   --skip-selftest  only build
#
# Environment: PYTHON (interpreter to use, default python3/python),
#              SELFTEST_TIMEOUT (seconds, default 900),
#              NNGUI_DIST_DIR / NNGUI_BUILD_DIR (default dist / build).
# Works on Linux, macOS and Windows (Git Bash / MSYS2).  Exit status: 0 when the
# build succeeded and the self-test passed (or was skipped), non-zero otherwise.
set -euo pipefail

INSTALL=0
CLEAN=1
SELFTEST=1
for arg in "$@"; do
    case "$arg" in
        --install) INSTALL=1 ;;
        --no-clean) CLEAN=0 ;;
        --skip-selftest) SELFTEST=0 ;;
        -h | --help)
            sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "build.sh: unknown option '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

if [[ -n "${PYTHON:-}" ]]; then
    PY="$PYTHON"
elif command -v python3 >/dev/null 2>&1; then
    PY=python3
else
    PY=python
fi

if ((INSTALL)); then
    echo "==> pip install -e .[package]"
    "$PY" -m pip install -e ".[package]"
fi

if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
    echo "build.sh: PyInstaller is not installed for $PY; rerun with --install" >&2
    echo "          or: $PY -m pip install -e \".[package]\"" >&2
    exit 1
fi

echo "==> PyInstaller $("$PY" -m PyInstaller --version) on $("$PY" -c 'import platform; print(platform.platform())')"
DIST_ROOT="${NNGUI_DIST_DIR:-dist}"
BUILD_ROOT="${NNGUI_BUILD_DIR:-build}"
PYI_ARGS=(--noconfirm --distpath "$DIST_ROOT" --workpath "$BUILD_ROOT")
((CLEAN)) && PYI_ARGS+=(--clean)

start=$SECONDS
"$PY" -m PyInstaller "${PYI_ARGS[@]}" packaging/nngui.spec
echo "==> build finished in $((SECONDS - start)) s"

DIST="$DIST_ROOT/nngui"
if [[ -x "$DIST/nngui.exe" || -f "$DIST/nngui.exe" ]]; then
    EXE="$DIST/nngui.exe"
else
    EXE="$DIST/nngui"
fi
if [[ ! -f "$EXE" ]]; then
    echo "build.sh: expected executable $EXE is missing" >&2
    exit 1
fi

size="$(du -sh "$DIST" | cut -f1)"
nfiles="$(find "$DIST" -type f | wc -l | tr -d ' ')"
echo "==> bundle: $DIST ($size, $nfiles files)"
if [[ -d "$DIST_ROOT/nngui.app" ]]; then
    echo "==> macOS app: $DIST_ROOT/nngui.app ($(du -sh "$DIST_ROOT/nngui.app" | cut -f1))"
fi

if ((!SELFTEST)); then
    echo "==> self-test skipped"
    exit 0
fi

# Windowed builds have no console on Windows/macOS: the launcher writes
# stdout/stderr to $NNGUI_CONSOLE_LOG instead (packaging/launcher.py).
mkdir -p "$BUILD_ROOT"
# Absolute, native path (pwd -W gives C:/... under Git Bash / MSYS2).
LOG="$(cd "$BUILD_ROOT" && (pwd -W 2>/dev/null || pwd))/selftest.log"
: >"$LOG"
TIMEOUT="${SELFTEST_TIMEOUT:-900}"
RUN=("$EXE" selftest)
if command -v timeout >/dev/null 2>&1; then
    RUN=(timeout "$TIMEOUT" "${RUN[@]}")
fi

echo "==> frozen self-test: ${RUN[*]}"
set +e
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" NNGUI_CONSOLE_LOG="$LOG" "${RUN[@]}"
rc=$?
set -e
if [[ -s "$LOG" ]]; then
    echo "---- self-test output (from $LOG) ----"
    cat "$LOG"
    echo "---------------------------------------"
fi

if ((rc == 0)); then
    echo "==> SELF-TEST PASSED  ($EXE, $size)"
elif ((rc == 124)); then
    echo "==> SELF-TEST TIMED OUT after ${TIMEOUT} s" >&2
else
    echo "==> SELF-TEST FAILED (exit status $rc)" >&2
fi
exit "$rc"
