"""A 32-D code seen by t-SNE (lesson 5) keeps its 0-9 legend and its points at full colour
after the grid was used on the PCA plane: Grid is disabled for t-SNE (it cannot decode that
plane) but stayed pressed, and the plot hid the legend and drew the points at 30 % as if the
grid's tiles covered them (seen at 1366x768)."""

from __future__ import annotations

import numpy as np

from nngui.gui.autoencoder.latent import LatentView
from nngui.gui.common.tasks import TaskRunner


def test_tsne_after_the_pca_grid_shows_the_legend_and_full_colour_points(qtbot) -> None:
    view = LatentView(TaskRunner())
    qtbot.addWidget(view)
    view.resize(600, 450)
    view.show()
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 32)).astype(np.float32)
    labels = np.arange(200) % 10
    view.offer_projections(True)
    view.show_codes(z, labels, lambda codes: np.zeros((len(codes), 28, 28), np.float32))
    legend = view.latentPlot.getPlotItem().legend
    assert legend.isVisible()  # PCA, no grid
    view.latentGridButton.setChecked(True)
    assert not legend.isVisible()  # the tiles cover the plot
    view._tsne = rng.normal(size=(200, 2)).astype(np.float32)  # as a finished t-SNE left it
    view.projectionCombo.setCurrentIndex(view.projectionCombo.findData("tsne"))
    qtbot.waitUntil(lambda: not view.latentGridButton.isEnabled(), timeout=3000)
    assert legend.isVisible()
    assert all(s.opacity() == 1.0 for s in view.scatters)
    view.projectionCombo.setCurrentIndex(view.projectionCombo.findData("pca"))
    qtbot.waitUntil(lambda: view.latentGridButton.isEnabled(), timeout=3000)
    assert view.latentGridButton.isChecked() and not legend.isVisible()  # the grid again
    assert all(s.opacity() == 0.3 for s in view.scatters)
