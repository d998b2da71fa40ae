"""Entry point: `nngui` opens the app, `nngui PATH` opens a file in it, subcommands are CLI."""

from __future__ import annotations

import os
import sys


def wants_gui(argv: list[str]) -> bool:
    """No arguments, or one existing path (Qt's own -options may follow): the app opens."""
    if not argv:
        return True
    from nngui.cli import SUBCOMMANDS

    first = argv[0]
    return first not in SUBCOMMANDS and not first.startswith("-") and os.path.exists(first)


def check_project_arg(argv: list[str]) -> str | None:
    """`nngui X.nngui`: the one-line reason X cannot be opened (checked before Qt starts)."""
    if not argv or not argv[0].lower().endswith(".nngui"):
        return None
    from nngui.core.files.project import ProjectError, load_project

    try:
        load_project(argv[0], with_model=False)  # the model is checked when the app opens it
    except ProjectError as exc:
        return " ".join(str(exc).split())
    return None


def main(argv: list[str] | None = None) -> int:
    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if from_command_line:  # a process: what killed ones left in the temp folder goes now
        from nngui.core.platform.tempdirs import sweep_stale

        sweep_stale()
    problem = check_project_arg(argv)
    if problem is not None:
        print(f"nngui: error: {problem}", file=sys.stderr)
        return 2
    if wants_gui(argv):
        from nngui.gui.app import run_app

        return run_app(argv)
    from nngui.cli import run_cli  # a subcommand, an option, or a word that is neither

    code = run_cli(argv)
    if from_command_line and "tensorflow" in sys.modules:
        exit_now(code)
    return code


def exit_now(code: int) -> None:
    """End the process without the interpreter's teardown, once everything is written.

    With TensorFlow loaded, Python's shutdown (its modules, threads and thread pools) takes
    ~0.8 s after the last line is printed: a CLI user waits for the prompt that long for
    nothing. Every file nngui writes is complete (written atomically) before this point.
    """
    from nngui.core.platform.tempdirs import remove_own

    remove_own()  # os._exit skips atexit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
