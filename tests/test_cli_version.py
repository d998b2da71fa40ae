"""`nngui --version` prints the package version (the installer and bug reports rely on it)."""

from __future__ import annotations

import pytest

import nngui
from nngui.__main__ import main


def test_version_flag_prints_the_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"nngui {nngui.__version__}"
