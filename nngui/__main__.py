"""Entry point: `nngui` opens the app, `nngui PATH` opens a file in it, subcommands are CLI."""

from __future__ import annotations

import sys

SUBCOMMANDS = {"presets", "summary", "train", "evaluate", "predict", "export", "selftest",
               "lab"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version")):
        from .cli import run_cli

        return run_cli(argv)
    from .gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
