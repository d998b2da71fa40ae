#!/usr/bin/env bash
# Build the nngui installer: pinned venv -> PyInstaller bundle -> strip TF -> one file -> checks.
#
#   packaging/build.sh [--no-clean] [--no-pack] [--skip-checks]
#
#   --no-clean     reuse PyInstaller's cache in build/ (faster rebuilds)
#   --no-pack      stop after the bundle (dist/nngui/); no installer file
#   --skip-checks  do not run packaging/check_bundle.sh on the result
#
# Environment: PYTHON (interpreter the build venv is made from; default python3),
#   NNGUI_BUILD_VENV (the build's own venv; default ${TMPDIR:-/tmp}/nngui-build-venv,
#   reused while packaging/constraints.txt is unchanged),
#   NNGUI_TF (TensorFlow package; default tensorflow-cpu, 'tensorflow[and-cuda]' for
#   the GPU build, 'tensorflow' on macOS), ZSTD_LEVEL (default 12),
#   NNGUI_DIST_DIR / NNGUI_BUILD_DIR (default dist / build, both gitignored).
# Output on Linux: dist/nngui-VERSION-linux-x86_64.sh, one self-extracting file.
# Exit status 0 only when every step and every frozen check passed.
set -euo pipefail

CLEAN=1
PACK=1
CHECKS=1
for arg in "$@"; do
    case "$arg" in
        --no-clean) CLEAN=0 ;;
        --no-pack) PACK=0 ;;
        --skip-checks) CHECKS=0 ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
STEP="start"
trap 'rc=$?; ((rc)) && echo "==> BUILD FAILED in step: $STEP (exit $rc)" >&2' EXIT
T_ALL=$SECONDS
declare -A TIMES

step() { STEP="$1"; T_STEP=$SECONDS; echo "==> $1"; }
done_step() { TIMES[$STEP]=$((SECONDS - T_STEP)); echo "    ($STEP: ${TIMES[$STEP]} s)"; }

OS="$(uname -s)"
case "$OS" in
    Linux) TF_DEFAULT=tensorflow-cpu ;;
    Darwin) TF_DEFAULT=tensorflow ;;  # no tensorflow-cpu wheels for Apple Silicon
    *) TF_DEFAULT=tensorflow-cpu ;;
esac
TF_PKG="${NNGUI_TF:-$TF_DEFAULT}"
BASE_PY="${PYTHON:-python3}"
command -v "$BASE_PY" >/dev/null 2>&1 || BASE_PY=python
VENV="${NNGUI_BUILD_VENV:-${TMPDIR:-/tmp}/nngui-build-venv}"
if [[ -d "$VENV/Scripts" ]]; then PY="$VENV/Scripts/python"; else PY="$VENV/bin/python"; fi
CONSTRAINTS="$REPO/packaging/constraints.txt"

# Fail before the long steps when a tool the later ones need is missing.
if [[ "$OS" == Linux ]]; then
    for tool in strip readelf zstd tar; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            [[ "$tool" == zstd ]] && ((!PACK)) && continue
            echo "build.sh: '$tool' is missing (Debian/Ubuntu: apt install binutils zstd)" >&2
            exit 1
        fi
    done
fi

# ------------------------------------------------------------------ 1. build venv
step "build environment ($VENV, $TF_PKG)"
stamp="$(cat "$CONSTRAINTS" | cksum | cut -d' ' -f1)-$TF_PKG"
if [[ -x "$PY" && "$(cat "$VENV/.nngui-stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "    reusing it (constraints unchanged)"
else
    rm -rf "$VENV"
    "$BASE_PY" -m venv "$VENV"
    # Same registry the test install uses: a failure here is a real failure.
    if ! "$PY" -m pip install -q -c "$CONSTRAINTS" "$TF_PKG" PySide6-Essentials pyqtgraph \
            scikit-learn numpy keras certifi pyinstaller pyinstaller-hooks-contrib; then
        echo "build.sh: pip could not install the pinned build dependencies" \
             "(packaging/constraints.txt) from the package index" >&2
        exit 1
    fi
    echo "$stamp" >"$VENV/.nngui-stamp"
fi
# nngui itself from this checkout; --no-deps because it asks for 'tensorflow', which
# would pull the CUDA build next to tensorflow-cpu.
"$PY" -m pip install -q --no-deps "$REPO"
VERSION="$("$PY" -c 'import nngui; print(nngui.__version__)')"
echo "    nngui $VERSION, $("$PY" -m pip freeze | grep -iE '^(tensorflow|keras|pyside6|pyinstaller)' | tr '\n' ' ')"
done_step

# ------------------------------------------------------------------ 2. PyInstaller
DIST_ROOT="${NNGUI_DIST_DIR:-dist}"
BUILD_ROOT="${NNGUI_BUILD_DIR:-build}"
DIST="$DIST_ROOT/nngui"
step "PyInstaller"
PYI_ARGS=(--noconfirm --log-level WARN --distpath "$DIST_ROOT" --workpath "$BUILD_ROOT")
((CLEAN)) && PYI_ARGS+=(--clean)
"$PY" -m PyInstaller "${PYI_ARGS[@]}" packaging/nngui.spec
EXE="$DIST/nngui"
[[ -f "$DIST/nngui.exe" ]] && EXE="$DIST/nngui.exe"
[[ -f "$EXE" ]] || { echo "build.sh: expected executable $EXE is missing" >&2; exit 1; }
done_step

# ------------------------------------------------------------------ 3. strip (Linux)
# Only TensorFlow's own libraries: strip=True on everything breaks numpy's patched
# OpenBLAS (and gains little beyond TensorFlow).
if [[ "$OS" == Linux ]] && command -v strip >/dev/null 2>&1; then
    step "strip TensorFlow's shared libraries"
    before=$(du -sb "$DIST" | cut -f1)
    find "$DIST/_internal/tensorflow" -type f \( -name '*.so' -o -name '*.so.*' \) \
        -exec strip --strip-unneeded {} +
    echo "    saved $(( (before - $(du -sb "$DIST" | cut -f1)) / 1000000 )) MB"
    done_step
    step "prune host libraries only the dropped Qt plugins needed"
    "$PY" packaging/prune_libs.py "$DIST"
    done_step
fi
[[ "$OS" == Linux ]] && cp packaging/nngui.desktop "$DIST/nngui.desktop"
UNPACKED=$(du -sb "$DIST" | cut -f1)
echo "==> bundle: $DIST, $((UNPACKED / 1000000)) MB unpacked, $(find "$DIST" -type f | wc -l | tr -d ' ') files"

# ------------------------------------------------------------------ 4. one file (Linux)
INSTALLER=""
if ((PACK)) && [[ "$OS" == Linux ]]; then
    step "pack one self-extracting file"
    INSTALLER="$DIST_ROOT/nngui-$VERSION-linux-$(uname -m).sh"
    sed "s/@VERSION@/$VERSION/g" packaging/installer-header.sh >"$INSTALLER.part"
    tar -C "$DIST_ROOT" -cf - nngui \
        | zstd -q -T0 "-${ZSTD_LEVEL:-12}" --long=27 >>"$INSTALLER.part"
    chmod +x "$INSTALLER.part"
    mv "$INSTALLER.part" "$INSTALLER"
    done_step
elif ((PACK)); then
    echo "==> pack: the one-file installer is Linux-only here; see packaging/README.md"
fi

# ------------------------------------------------------------------ 5. frozen checks
if ((CHECKS)); then
    step "frozen checks"
    CHECK_DIST="$DIST"
    if [[ -n "$INSTALLER" ]]; then
        # Check what users get: install the file into a throwaway home.
        home="$(mktemp -d)"
        HOME="$home" XDG_DATA_HOME="$home/.local/share" sh "$INSTALLER" --target "$home/opt/nngui"
        for f in "$home/.local/share/applications/nngui.desktop" \
                 "$home/.local/share/icons/hicolor/16x16/apps/nngui.png" "$home/.local/bin/nngui"; do
            [[ -e "$f" ]] || { echo "build.sh: the installer did not create $f" >&2; exit 1; }
        done
        grep -q "^Exec=\"$home/opt/nngui/nngui\" %f$" "$home/.local/share/applications/nngui.desktop" \
            || { echo "build.sh: the installed .desktop entry has the wrong Exec line" >&2; exit 1; }
        CHECK_DIST="$home/opt/nngui"
    fi
    set +e
    packaging/check_bundle.sh "$CHECK_DIST" "$PY"
    rc=$?
    set -e
    [[ -n "$INSTALLER" ]] && rm -rf "$home"
    ((rc == 0)) || exit "$rc"
    done_step
fi

# ------------------------------------------------------------------ report
echo "==> nngui $VERSION build report"
echo "    unpacked:   $((UNPACKED / 1000000)) MB ($DIST)"
if [[ -n "$INSTALLER" ]]; then
    echo "    installer:  $(($(stat -c %s "$INSTALLER") / 1000000)) MB ($INSTALLER)"
fi
for k in "${!TIMES[@]}"; do echo "    time: $k: ${TIMES[$k]} s"; done
echo "    total: $((SECONDS - T_ALL)) s"
STEP="done"
