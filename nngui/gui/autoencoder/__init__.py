"""The autoencoder studio: its designer and its panel (reconstructions, latent space).
"""
