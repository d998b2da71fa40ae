#!/bin/sh
# nngui @VERSION@ for Linux x86_64: a self-extracting installer (this script + a tar.zst).
#
#   sh nngui-@VERSION@-linux-x86_64.sh [--target DIR] [--no-desktop]
#   sh nngui-@VERSION@-linux-x86_64.sh --uninstall [--target DIR]
#
#   --target DIR   install the app folder there (default ~/.local/opt/nngui)
#   --no-desktop   skip the menu entry, icon and ~/.local/bin/nngui link
#   --uninstall    remove what an install with the same --target put in place
#
# Needs only sh, tar and zstd (packages 'zstd' on Debian/Ubuntu/Fedora/Arch).
# Nothing goes outside your home folder unless --target says so.
set -eu
VERSION='@VERSION@'
TARGET="${HOME}/.local/opt/nngui"
DESKTOP=1
UNINSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --target) [ $# -ge 2 ] || { echo "nngui installer: --target needs a folder" >&2; exit 2; }
                  TARGET="$2"; shift ;;
        --no-desktop) DESKTOP=0 ;;
        --uninstall) UNINSTALL=1 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "nngui installer: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$TARGET" in /*) ;; *) TARGET="$(pwd)/$TARGET" ;; esac
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor"
BIN="$HOME/.local/bin"

refresh_menus() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

if [ "$UNINSTALL" = 1 ]; then
    if [ -x "$TARGET/nngui" ] && [ -d "$TARGET/_internal" ]; then
        rm -rf "$TARGET"
    fi
    rm -f "$APPS/nngui.desktop"
    for s in 16 32 48 64 128 256; do rm -f "$ICONS/${s}x${s}/apps/nngui.png"; done
    [ -L "$BIN/nngui" ] && rm -f "$BIN/nngui"
    refresh_menus
    echo "nngui removed (your models and ~/.keras/datasets are left alone)"
    exit 0
fi

if ! command -v zstd >/dev/null 2>&1; then
    echo "nngui installer: needs the 'zstd' program; install it (e.g. sudo apt install zstd," >&2
    echo "  sudo dnf install zstd, sudo pacman -S zstd) and run this again." >&2
    exit 1
fi
case "$(uname -m)" in x86_64 | amd64) ;; *)
    echo "nngui installer: this build is for x86_64 Linux; this machine is $(uname -m)." >&2
    exit 1 ;;
esac

if [ -e "$TARGET" ] && [ ! -d "$TARGET/_internal" ]; then
    echo "nngui installer: $TARGET exists and is not an nngui install; choose --target." >&2
    exit 1
fi

# Unpack next to the target, then swap, so a failed unpack never leaves half an app.
PARENT="$(dirname "$TARGET")"
mkdir -p "$PARENT"
STAGE="$(mktemp -d "$PARENT/.nngui-install.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT INT TERM
SKIP="$(awk '/^__NNGUI_PAYLOAD_BELOW__$/ { print NR + 1; exit 0 }' "$0")"
echo "Unpacking nngui $VERSION to $TARGET ..."
if ! tail -n +"$SKIP" "$0" | zstd -dcq | tar -xf - -C "$STAGE"; then
    echo "nngui installer: unpacking failed (file cut short? free space in $PARENT?)" >&2
    exit 1
fi
[ -e "$TARGET" ] && rm -rf "$TARGET"
mv "$STAGE/nngui" "$TARGET"

if [ "$DESKTOP" = 1 ]; then
    mkdir -p "$APPS" "$BIN"
    for s in 16 32 48 64 128 256; do
        mkdir -p "$ICONS/${s}x${s}/apps"
        cp "$TARGET/_internal/nngui/resources/icons/nngui-$s.png" "$ICONS/${s}x${s}/apps/nngui.png"
    done
    sed "s|^Exec=.*|Exec=\"$TARGET/nngui\" %f|" "$TARGET/nngui.desktop" >"$APPS/nngui.desktop"
    ln -sfn "$TARGET/nngui" "$BIN/nngui"
    refresh_menus
    echo "Added nngui to the applications menu and linked $BIN/nngui."
fi
echo "Installed nngui $VERSION: run $TARGET/nngui (uninstall: sh $0 --uninstall)"
exit 0
__NNGUI_PAYLOAD_BELOW__
