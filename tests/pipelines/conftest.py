"""Fixtures of the pipeline tests: generated sample data, and one trained model for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines_src import datasets
from pipelines_src.local import chain

CANDIDATES = [
    {"algorithm": "xgboost", "max_depth": 3, "num_round": 80},
    {"algorithm": "sklearn-random-forest", "n_estimators": 60},
]


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("raw")
    datasets.write_sample(directory, rows=3000, seed=7)
    return directory


@pytest.fixture(scope="session")
def training_run(sample_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> chain.LocalRun:
    """Every training job of the registry's pipeline run in order on the sample data."""
    return chain.train_locally(sample_raw, tmp_path_factory.mktemp("training"), CANDIDATES)


@pytest.fixture(scope="session")
def trained(training_run: chain.LocalRun) -> dict[str, Path]:
    """The training run's output folders (dataset, features, evaluation, monitoring) and models."""
    return training_run.folders()
