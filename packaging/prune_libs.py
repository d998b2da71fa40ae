"""Remove shared libraries from a Linux bundle that nothing left in it links to.

    python packaging/prune_libs.py dist/nngui [--dry-run]

The spec drops Qt plugins nngui never loads (the GTK theme, EGLFS, ...), but
PyInstaller has already collected the host libraries those plugins linked
(libgtk's pango, cairo, atk, gdk-pixbuf, ...).  Host copies of such libraries
are a known cause of crashes on other distributions, so they should not ship.
This walks DT_NEEDED (``readelf -d``) from every extension module, Qt plugin,
TensorFlow library and the executable, and deletes candidate libraries (the
top-level ``_internal/lib*.so*`` and ``PySide6/Qt/lib``) outside that closure.
libpython is always kept: the bootloader dlopen()s it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")


def _is_elf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"\x7fELF"


def needed(path: Path) -> list[str]:
    """The DT_NEEDED sonames of an ELF file."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         check=False).stdout
    return _NEEDED.findall(out)


def prune(dist: Path, dry_run: bool = False) -> list[Path]:
    """Delete unreferenced candidate libraries under ``dist``; returns what was removed."""
    internal = dist / "_internal"
    elves = [p for p in dist.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    candidates = {p.name: p for p in elves
                  if (p.parent in (internal, qt_lib)) and ".so" in p.name
                  and not p.name.startswith("libpython")}
    by_name: dict[str, Path] = {p.name: p for p in elves}
    for link in internal.rglob("*"):  # PyInstaller links some sonames to their real file
        if link.is_symlink() and link.resolve() in by_name.values():
            by_name.setdefault(link.name, link.resolve())
    roots = [p for p in elves if p.name not in candidates]
    keep: set[Path] = set()
    todo = list(roots)
    while todo:
        for soname in needed(todo.pop()):
            target = by_name.get(soname)
            if target is not None and target not in keep:
                keep.add(target)
                todo.append(target)
    removed = [p for p in candidates.values() if p.resolve() not in keep and p not in keep]
    for p in sorted(removed):
        if not dry_run:
            p.unlink()
    return sorted(removed)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    removed = prune(Path(argv[0]), dry_run="--dry-run" in argv)
    total = sum(p.stat().st_size for p in removed) if "--dry-run" in argv else None
    for p in removed:
        print(f"    pruned {p.name}")
    print(f"    {len(removed)} unreferenced libraries" + (f", {total / 1e6:.1f} MB" if total else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
