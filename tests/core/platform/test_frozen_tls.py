"""The frozen app downloads data sets with certifi's CAs, not the build host's cert folder."""

from __future__ import annotations

import ssl
import sys

from nngui.core.data import download


def test_unfrozen_uses_the_system_defaults(monkeypatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert download.frozen_tls_context() is None


def test_frozen_loads_certifis_bundle(monkeypatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    ctx = download.frozen_tls_context()
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.cert_store_stats()["x509_ca"] > 100  # certifi ships ~150 roots
