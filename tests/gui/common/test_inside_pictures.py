"""The pictures of ``gui.common.inside``: each value lands on its own pixel, in its own tile,
with the colour its sign and size say."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.insight.inside import Inside, LayerMaps
from nngui.gui.common.inside import (
    GAP,
    MIN_TILE,
    NEGATIVE,
    POSITIVE,
    STRONG,
    WHITE,
    mosaic,
    render,
    saliency_rgb,
    signed_mosaic,
    signed_rgb,
    strength_mosaic,
    strength_rgb,
)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 70), h=st.integers(MIN_TILE, 12), w=st.integers(MIN_TILE, 12))
def test_mosaic_puts_tile_k_in_row_k_div_cols(n, h, w):
    tiles = np.zeros((n, h, w, 3), np.uint8)
    for k in range(n):
        tiles[k] = k  # each tile one flat value
    pic = mosaic(tiles, cols=8)
    for k in range(n):
        r, c = divmod(k, 8)
        block = pic[r * (h + GAP): r * (h + GAP) + h, c * (w + GAP): c * (w + GAP) + w]
        assert (block == k).all()


def test_small_tiles_are_enlarged_by_a_whole_factor():
    tiles = np.arange(2 * 3 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 3)
    pic = mosaic(tiles, cols=2)
    assert pic.shape == (9, 9 + GAP + 9, 3)
    np.testing.assert_array_equal(pic[:3, :3], np.broadcast_to(tiles[0, 0, 0], (3, 3, 3)))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 70), h=st.integers(1, 12), w=st.integers(1, 12), seed=st.integers(0, 99))
def test_a_mosaic_laid_out_as_shades_is_the_mosaic_of_the_coloured_tiles(n, h, w, seed):
    values = np.random.default_rng(seed).normal(size=(n, h, w)).astype(np.float32)
    np.testing.assert_array_equal(strength_mosaic(values), mosaic(strength_rgb(values)))
    np.testing.assert_array_equal(signed_mosaic(values, 0.7), mosaic(signed_rgb(values, 0.7)))


def test_shades_are_proportional_to_the_value():
    strong = strength_rgb(np.array([0.0, 0.25, 0.5, 1.0, 2.0]), top=1.0)
    blue = (STRONG - WHITE)[2] * np.array([0, 0.25, 0.5, 1, 1]) + 255
    assert np.abs(strong[:, 2].astype(float) - blue).max() <= 1
    signed = signed_rgb(np.array([-2.0, -0.5, 0.0, 0.5]), top=1.0)
    red = (POSITIVE - WHITE)[0] * 0.5 + 255
    assert abs(int(signed[3, 0]) - red) <= 1 and (signed[2] == WHITE).all()
    assert (signed[0] == NEGATIVE).all()  # beyond top: the full colour


def test_colours_follow_sign_and_size():
    strong = strength_rgb(np.array([[0.0, 1.0, -2.0]]))[0]
    assert (strong[0] == WHITE).all() and strong[2].sum() < strong[1].sum() < strong[0].sum()
    signed = signed_rgb(np.array([[-1.0, 0.0, 1.0]]))[0]
    assert signed[0, 2] > signed[0, 0] and signed[2, 0] > signed[2, 2]  # blue -, red +
    assert (signed[1] == WHITE).all()


def test_saliency_colours_exactly_the_pixels_that_pushed():
    image = np.zeros((4, 6), np.float32)
    s = np.zeros((4, 6), np.float32)
    s[1, 4], s[3, 0] = 2.0, -1.0
    rgb = saliency_rgb(image, s)
    assert rgb.shape == (4, 6, 3)
    assert rgb[1, 4, 0] > rgb[1, 4, 2]  # red: towards the class
    assert rgb[3, 0, 2] > rgb[3, 0, 0]  # blue: away from it
    rest = np.ones((4, 6), bool)
    rest[1, 4] = rest[3, 0] = False
    assert (rgb[rest] == 255).all()


def test_render_keeps_a_non_square_image_the_right_way_round():
    s = np.zeros((4, 6), np.float32)
    s[0, 5] = 1.0
    maps = np.zeros((2, 4, 6), np.float32)
    maps[1, 3, 2] = 1.0
    inside = Inside((4, 6), np.array([0.2, 0.8], np.float32), 1,
                    [LayerMaps(0, "c", "Conv2D", maps, np.array([1, 0]), np.ones(2))],
                    filters=np.ones((2, 3, 3), np.float32), filters_layer="c", saliency=s)
    out = render(inside, np.zeros((4, 6, 1), np.float32), ["no", "yes"])
    assert out.summary == "It reads yes (80.0%)."
    assert out.saliency.rgb.shape == (4, 6, 3) and out.saliency.rgb[0, 5, 0] >= 200 > \
        out.saliency.rgb[0, 5, 2]
    pic = out.maps[0].rgb  # 4x6 tiles are enlarged 3x (to at least MIN_TILE a side)
    tile2 = pic[:, 3 * 6 + GAP:]
    assert tile2.shape[:2] == (12, 18) and (tile2[9:12, 6:9] != 255).all()
    assert (tile2[:9] == 255).all()
    assert "2 maps of 4×6" in out.maps[0].caption


def test_render_of_a_net_that_reads_no_image_is_its_sentence():
    out = render(Inside(None, np.array([0.5, 0.5]), 0, reason="reads 2 numbers"), np.zeros(2))
    assert out.reason == "reads 2 numbers" and out.saliency is None and out.maps == []
