"""A fine-tuned model kept for the next session comes back under the name it was trained
under: the network's own underscores and spaces stay (names hold only letters, digits,
spaces and _ - . , ( ) +, which every file system keeps)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.network.schema import NAME_MARKS, is_safe_name
from nngui.gui.window.draw_controller import FINETUNED, finetuned_stem, kept_models

names = st.text(st.characters(categories=("Lu", "Ll", "Nd"), include_characters=NAME_MARKS),
                min_size=1, max_size=60).filter(is_safe_name)


@settings(max_examples=200, deadline=None)
@given(names)
def test_a_trained_network_keeps_its_name_in_the_file_name(name):
    stem = finetuned_stem(f"Trained here: {name}{FINETUNED}")
    assert stem == f"Trained here {name}"  # only the colon, which a name never holds, goes
    assert "/" not in stem and not stem.startswith((".", "-", " "))


def test_kept_models_come_back_with_their_names(tmp_path, monkeypatch):
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path))
    from nngui.gui.window.draw_controller import user_models_dir

    folder = user_models_dir()
    folder.mkdir(parents=True)
    for title in ("Trained here: mnist_784_20_10", "Project: my net (v2)", "MNIST MLP"):
        (folder / f"{finetuned_stem(title + FINETUNED)}.keras").write_bytes(b"")
    titles = {t for t, _path in kept_models()}
    assert titles == {f"Trained here mnist_784_20_10{FINETUNED}",
                      f"Project my net (v2){FINETUNED}", f"MNIST MLP{FINETUNED}"}


def test_a_title_with_nothing_to_keep_is_kept_as_model():
    assert finetuned_stem(f"::/{FINETUNED}") == "model"
    assert finetuned_stem("..hidden") == "hidden"
