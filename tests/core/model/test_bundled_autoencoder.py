"""The shipped 2-D autoencoder: its latent plane separates 0, 1 and 7 visibly."""


from nngui.core.data.datasets import load_mnist
from nngui.core.model import autoencoder as ae
from nngui.core.model.saving import load_model, spec_from_model
from nngui.core.platform.resources import bundled_model


def test_bundled_2d_latent_space_separates_0_1_and_7(mnist_path):
    # On the slice's 2,000 test digits the neighbourhoods are as pure as on all 10,000
    # (0: 0.933 vs 0.934, 1: 0.966 vs 0.955, 7: 0.815 vs 0.810; MSE 0.0377 vs 0.0377).
    from sklearn.neighbors import KNeighborsClassifier

    path = bundled_model("autoencoder_2d")
    assert path is not None, "nngui/resources/models/autoencoder_2d.keras is missing"
    model = load_model(path)
    spec = ae.as_autoencoder(spec_from_model(model))
    assert spec is not None and ae.latent_dim(spec) == 2
    ds = load_mnist(mnist_path)
    z = ae.encode(model, spec, ds.x_test)
    assert z.shape == (2000, 2)
    # how often a digit's 5 nearest neighbours in the plane share its class
    knn = KNeighborsClassifier(n_neighbors=6).fit(z, ds.y_test)
    idx = knn.kneighbors(z, return_distance=False)[:, 1:]
    purity = (ds.y_test[idx] == ds.y_test[:, None]).mean(axis=1)
    per_class = {d: float(purity[ds.y_test == d].mean()) for d in (0, 1, 7)}
    assert per_class[0] > 0.9 and per_class[1] > 0.9 and per_class[7] > 0.75, per_class
    mse = float(ae.reconstruction_mse(model, ds.x_test).mean())
    assert mse < 0.045, mse
