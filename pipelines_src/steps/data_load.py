"""data-load (processing): read the raw data (CSV and Parquet files under the input), validate it
against the use case's schema, and write one Parquet dataset plus a profile with its version.

Inputs:  processing/input/raw/*.csv|*.parquet, processing/input/schema/schema.json
Outputs: processing/output/dataset/dataset.parquet, processing/output/dataset/profile.json
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines_src.contracts import DatasetSchema
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json

SUFFIXES = (".csv", ".parquet")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


def read_raw(directory: Path) -> pd.DataFrame:
    """Every CSV and Parquet file under `directory`, concatenated in name order."""
    files = sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES)
    if not files:
        raise StepError(f"no .csv or .parquet file under {directory}: check the data_uri of the execution")
    frames = []
    for path in files:
        try:
            frame = _read(path)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError, ValueError) as exc:
            raise StepError(f"{path.name}: cannot be read ({exc}); fix or remove the file") from exc
        if frame.empty:
            raise StepError(f"{path.name}: the file has no rows; remove it or re-export the data")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _coerce(df: pd.DataFrame, schema: DatasetSchema) -> tuple[pd.DataFrame, list[str]]:
    problems: list[str] = []
    coerced = df[schema.names].copy()
    for column in schema.columns:
        if column.dtype == "category":
            coerced[column.name] = coerced[column.name].astype("string")
            continue
        numeric = pd.to_numeric(coerced[column.name], errors="coerce")
        bad = numeric.isna() & coerced[column.name].notna()
        if bad.any():
            sample = coerced.loc[bad, column.name].astype(str).head(3).tolist()
            problems.append(
                f"column {column.name!r} expects {column.dtype} but has {int(bad.sum())} "
                f"non-numeric values, e.g. {sample}"
            )
        infinite = numeric.isin([float("inf"), float("-inf")])
        if infinite.any():
            sample = coerced.loc[infinite, column.name].astype(str).head(3).tolist()
            problems.append(
                f"column {column.name!r} has {int(infinite.sum())} infinite values, e.g. {sample}: "
                "export finite numbers (a number too long for a float also reads as inf)"
            )
        coerced[column.name] = numeric
    return coerced, problems


def validate(df: pd.DataFrame, schema: DatasetSchema, require_target: bool = True) -> pd.DataFrame:
    """The data in schema order and types, or StepError listing every problem and its fix.
    Data to score (`require_target=False`) may come without the label column."""
    if not require_target and schema.target not in df.columns:
        schema = replace(schema, columns=tuple(c for c in schema.columns if c.name != schema.target))
        unlabelled = True
    else:
        unlabelled = False
    missing = [c for c in schema.names if c not in df.columns]
    extra = [c for c in df.columns if c not in schema.names]
    problems = []
    if missing:
        problems.append(f"missing columns {missing}: add them or update schema.json")
    if extra:
        problems.append(f"unexpected columns {extra}: drop them or add them to schema.json")
    if problems:
        raise StepError("data-load: " + "; ".join(problems))
    coerced, problems = _coerce(df, schema)
    for column in schema.columns:
        nan_fraction = float(coerced[column.name].isna().mean())
        allowed = schema.max_nan_fraction if column.nullable else 0.0
        if nan_fraction > allowed:
            problems.append(
                f"column {column.name!r} has {nan_fraction:.1%} missing values, more than the {allowed:.1%} allowed"
            )
    labels = set() if unlabelled else set(coerced[schema.target].dropna().unique())
    if labels and not labels <= {0, 1}:
        problems.append(f"target {schema.target!r} must be 0/1, found {sorted(labels)[:5]}")
    if problems:
        raise StepError("data-load: " + "; ".join(problems))
    for column in schema.columns:
        if column.dtype == "int":
            coerced[column.name] = coerced[column.name].astype("int64")
    return coerced


def profile(df: pd.DataFrame, schema: DatasetSchema) -> dict[str, Any]:
    """Row count, positive rate and a content hash that versions the dataset."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    return {
        "rows": len(df),
        "columns": list(df.columns),
        "positive_rate": round(float(df[schema.target].mean()), 6) if schema.target in df.columns else None,
        "data_version": f"sha256:{digest[:16]}",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument(
        "--mode", choices=["training", "batch"], default="training", help="batch: the label column is optional"
    )
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    # schema.json as its own input, or beside the raw data (one S3 prefix for both)
    schema_file = next(
        (
            p
            for p in (paths.processing_input("schema") / "schema.json", paths.processing_input("raw") / "schema.json")
            if p.exists()
        ),
        None,
    )
    if schema_file is None:
        raise StepError("schema.json is missing: put it beside the raw data or pass it as the 'schema' input")
    schema = DatasetSchema.load(schema_file)
    data = validate(read_raw(paths.processing_input("raw")), schema, require_target=args.mode == "training")
    with atomic_directory(paths.processing_output("dataset")) as out:
        data.to_parquet(out / "dataset.parquet", index=False)
        write_json(out / "profile.json", profile(data, schema))
        (out / "schema.json").write_text(schema.to_json())
    print(f"data-load: {len(data)} rows validated")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
