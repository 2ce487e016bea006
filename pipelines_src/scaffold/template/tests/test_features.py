"""The use case's own step code, tested on the registry's sample data."""

from __future__ import annotations

from steps.features import Transformer

from pipelines_src import datasets


def test_transformer_adds_power_proxy_without_losing_rows() -> None:
    frame = datasets.generate(500, seed=3)
    features = Transformer().fit(frame, datasets.SCHEMA).transform(frame)
    assert len(features) == len(frame)
    assert "power_proxy" in features.columns and not features.isna().any().any()
