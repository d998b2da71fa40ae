"""Entry point: `nngui` opens the app, `nngui PATH` opens a file in it, subcommands are CLI."""

from __future__ import annotations

import os
import sys


def wants_gui(argv: list[str]) -> bool:
    """No arguments, or one existing path (Qt's own -options may follow): the app opens."""
    if not argv:
        return True
    from .cli import SUBCOMMANDS

    first = argv[0]
    return first not in SUBCOMMANDS and not first.startswith("-") and os.path.exists(first)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_gui(argv):
        from .gui.app import run_app

        return run_app(argv)
    from .cli import run_cli  # a subcommand, an option, or a word that is neither

    return run_cli(argv)


if __name__ == "__main__":
    sys.exit(main())
