"""feature-engineering (processing): fit a transformer on the training split and write the splits
as SageMaker's built-in XGBoost reads them (label first, no header); in `transform` mode apply a
transformer fitted earlier (batch inference) and keep the id column first for the join.

The transformer is pluggable: `--transformer package.module:Class`, a class with `fit(frame,
schema)` returning itself, `transform(frame)` returning a float frame, and `feature_names`.

fit:       input dataset/ (data-load) -> output train/ validation/ test/ facets/ transformer/
           holdout/ (the validation and test rows as raw records, for champion-challenger:
           every model transforms them with its own transformer)
transform: input dataset/ + transformer/ -> output features/features.csv (id, features...)
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipelines_src.contracts import DatasetSchema
from pipelines_src.steps.artifacts import load_transformer, read_transformer, single_model_dir
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json

DEFAULT_TRANSFORMER = "pipelines_src.steps.feature_engineering:DefaultTransformer"
SPLITS = {"train": 0.7, "validation": 0.15, "test": 0.15}


class Transformer(Protocol):
    feature_names: list[str]

    def fit(self, frame: pd.DataFrame, schema: DatasetSchema) -> Transformer: ...

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame: ...


class DefaultTransformer:
    """Numeric columns: median imputation and standardisation. Categories: one-hot over the
    categories seen in training (unseen ones encode as all zeros)."""

    def __init__(self) -> None:
        self.feature_names: list[str] = []
        self._numeric: dict[str, tuple[float, float, float]] = {}
        self._categories: dict[str, list[str]] = {}

    def fit(self, frame: pd.DataFrame, schema: DatasetSchema) -> DefaultTransformer:
        for name in schema.feature_names:
            if schema.column(name).dtype == "category":
                self._categories[name] = sorted(frame[name].dropna().astype(str).unique().tolist())
            else:
                values = frame[name].astype(float)
                std = float(values.std()) or 1.0
                self._numeric[name] = (float(values.median()), float(values.mean()), std)
        self.feature_names = list(self._numeric) + [f"{c}={v}" for c, vs in self._categories.items() for v in vs]
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for name, (median, mean, std) in self._numeric.items():
            columns[name] = ((frame[name].astype(float).fillna(median) - mean) / std).to_numpy()
        for name, values in self._categories.items():
            as_text = frame[name].astype(str)
            for value in values:
                columns[f"{name}={value}"] = (as_text == value).to_numpy(dtype=float)
        return pd.DataFrame(columns, index=frame.index)[self.feature_names]


def import_spec(spec: str) -> Any:
    """The object named by `package.module:Name` (a transformer class, a rules function)."""
    module_name, _, class_name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise StepError(f"{spec!r} cannot be imported ({exc}): give package.module:Name") from exc


def split(frame: pd.DataFrame, target: str, seed: int = 17) -> dict[str, pd.DataFrame]:
    """Stratified train/validation/test split (70/15/15), reproducible for a seed."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SPLITS}
    for _, group in frame.groupby(target):
        order = rng.permutation(len(group))
        cut_train = int(len(group) * SPLITS["train"])
        cut_validation = cut_train + int(len(group) * SPLITS["validation"])
        parts["train"].append(group.iloc[order[:cut_train]])
        parts["validation"].append(group.iloc[order[cut_train:cut_validation]])
        parts["test"].append(group.iloc[order[cut_validation:]])
    return {name: pd.concat(chunks).sort_index() for name, chunks in parts.items()}


def to_xgboost_csv(features: pd.DataFrame, labels: pd.Series[Any], path: Path) -> None:
    """Label first, no header: the layout SageMaker's built-in XGBoost and our training read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.concat([labels.rename("label").astype(int), features], axis=1).to_csv(path, header=False, index=False)


def fit_and_write(dataset: pd.DataFrame, schema: DatasetSchema, transformer: Transformer, out: Path) -> dict[str, int]:
    parts = split(dataset, schema.target)
    transformer.fit(parts["train"], schema)
    for name, part in parts.items():
        to_xgboost_csv(transformer.transform(part), part[schema.target], out / name / f"{name}.csv")
        if schema.facet:  # ids and raw facet of each split, row-aligned, for the bias report
            (out / "facets").mkdir(parents=True, exist_ok=True)
            part[[c for c in (schema.id_column, schema.facet) if c]].to_csv(out / "facets" / f"{name}.csv", index=False)
        if name != "train":
            (out / "holdout").mkdir(parents=True, exist_ok=True)
            part.to_parquet(out / "holdout" / f"{name}.parquet", index=False)  # dtypes kept
    (out / "transformer").mkdir(parents=True, exist_ok=True)
    (out / "transformer" / "transformer.pkl").write_bytes(pickle.dumps(transformer))
    write_json(out / "transformer" / "feature_names.json", transformer.feature_names)
    (out / "transformer" / "schema.json").write_text(schema.to_json())
    return {name: len(part) for name, part in parts.items()}


def transform_for_inference(dataset: pd.DataFrame, schema: DatasetSchema, transformer: Transformer, out: Path) -> int:
    features = transformer.transform(dataset)
    if schema.id_column:
        features.insert(0, schema.id_column, dataset[schema.id_column].to_numpy())
    (out / "features").mkdir(parents=True, exist_ok=True)
    features.to_csv(out / "features" / "features.csv", header=False, index=False)
    return len(features)


def _fitted_transformer(paths: Paths) -> Transformer:
    """The transformer fitted in training: inside the model artefact ('model' input), or given
    directly ('transformer' input)."""
    direct = paths.processing_input("transformer") / "transformer.pkl"
    if direct.exists():
        return read_transformer(direct)  # type: ignore[no-any-return]
    if paths.processing_input("model").is_dir():
        with tempfile.TemporaryDirectory() as scratch:
            fitted = load_transformer(single_model_dir(paths.processing_input("model"), Path(scratch)))
            if fitted is not None:
                return fitted  # type: ignore[no-any-return]
    raise StepError(
        "no fitted transformer: pass the registered model artefact as the 'model' input (it carries transformer/)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--mode", choices=["fit", "transform"], default="fit")
    # A use case's image sets MLOPS_TRANSFORMER to its own transformer (module:Class); the
    # pipelines' job definitions stay the same.
    parser.add_argument("--transformer", default=os.environ.get("MLOPS_TRANSFORMER", DEFAULT_TRANSFORMER))
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    dataset_dir = paths.processing_input("dataset")
    if not (dataset_dir / "dataset.parquet").exists():
        raise StepError(
            f"{dataset_dir}/dataset.parquet is missing: feed the output of data-load as the 'dataset' input"
        )
    schema = DatasetSchema.load(dataset_dir / "schema.json")
    dataset = pd.read_parquet(dataset_dir / "dataset.parquet")
    if args.mode == "fit":
        transformer: Transformer = import_spec(args.transformer)()
        with atomic_directory(paths.processing_output("features")) as out:
            sizes = fit_and_write(dataset, schema, transformer, out)
        print(f"feature-engineering: {sizes} rows, {len(transformer.feature_names)} features")
        return 0
    transformer = _fitted_transformer(paths)
    with atomic_directory(paths.processing_output("features")) as out:
        rows = transform_for_inference(dataset, schema, transformer, out)
    print(f"feature-engineering: {rows} rows transformed for inference")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
