"""training (training job): fit XGBoost or a scikit-learn random forest on the `train` channel,
early-stopped on `validation`; hyperparameters come from hyperparameters.json.

The model directory holds what SageMaker's framework containers load: `xgboost-model` (XGBoost's
native format) or `model.joblib` (scikit-learn), plus the fitted transformer from the
`transformer` channel so that the model archive carries its own preprocessing.
"""

from __future__ import annotations

import difflib
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.steps.container import (
    Paths,
    StepError,
    atomic_directory,
    base_parser,
    decode_hyperparameters,
    read_hyperparameters,
    run,
    write_json,
)

XGBOOST_DEFAULTS: dict[str, Any] = {
    "num_round": 200,
    "max_depth": 4,
    "eta": 0.1,
    "subsample": 0.9,
    "colsample_bytree": 0.9,
    "min_child_weight": 1,
    "early_stopping_rounds": 20,
    "seed": 42,
}


@dataclass(frozen=True)
class Bound:
    """What a hyperparameter accepts: an integer or a number, from `low` (excluded when
    `open_low`) to `high`."""

    integer: bool
    low: float
    high: float | None = None
    open_low: bool = False

    def problem(self, name: str, value: Any) -> str | None:
        kind = "an integer" if self.integer else "a number"
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        fits = numeric and (not self.integer or float(value).is_integer())
        fits = fits and (value > self.low if self.open_low else value >= self.low)
        fits = fits and (self.high is None or value <= self.high)
        if fits:
            return None
        low = f"> {self.low:g}" if self.open_low else f">= {self.low:g}"
        return f"{name}={value!r}: give {kind} {low}" + (f" and <= {self.high:g}" if self.high is not None else "")


# Every hyperparameter each algorithm takes, with its bounds: the one source for the training
# step and for the candidates `mlops demo --hyperparameters` / `mlops run` send.
HYPERPARAMETERS: dict[str, dict[str, Bound]] = {
    "xgboost": {
        "num_round": Bound(True, 1),
        "max_depth": Bound(True, 1, 64),
        "eta": Bound(False, 0, 1, open_low=True),
        "subsample": Bound(False, 0, 1, open_low=True),
        "colsample_bytree": Bound(False, 0, 1, open_low=True),
        "min_child_weight": Bound(False, 0),
        "early_stopping_rounds": Bound(True, 1),
        "seed": Bound(True, 0),
        "gamma": Bound(False, 0),
        "lambda": Bound(False, 0),
        "alpha": Bound(False, 0),
        "scale_pos_weight": Bound(False, 0, open_low=True),
    },
    "sklearn-random-forest": {
        "n_estimators": Bound(True, 1, 10_000),
        "max_depth": Bound(True, 1, 1_000),
        "min_samples_leaf": Bound(True, 1),
        "seed": Bound(True, 0),
    },
}


def hyperparameter_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong with one candidate's (decoded) hyperparameters: an unknown algorithm, an
    unknown name (a typo is never silently ignored), a value out of bounds."""
    algorithm = params.get("algorithm", "xgboost")
    if algorithm not in HYPERPARAMETERS:
        return [f"algorithm={algorithm!r}: give one of {list(HYPERPARAMETERS)}"]
    known = HYPERPARAMETERS[algorithm]
    problems = []
    for name, value in params.items():
        if name == "algorithm":
            continue
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{name!r} is not a {algorithm} hyperparameter{hint}: use {sorted(known)}")
        elif (problem := known[name].problem(name, value)) is not None:
            problems.append(problem)
    return problems


def candidate_problems(candidates: Any) -> list[str]:
    """What is wrong with the hyperparameter_sets of an execution input, candidate by candidate
    (values as SageMaker passes them, strings, are decoded first): checked before an execution
    starts, so a typo does not cost a training run."""
    if not isinstance(candidates, list) or not candidates or not all(isinstance(c, dict) for c in candidates):
        return ["give a non-empty list of objects, one per candidate"]
    problems = []
    for index, candidate in enumerate(candidates):
        problems += [f"candidate {index}: {p}" for p in hyperparameter_problems(decode_hyperparameters(candidate))]
    return problems


def read_channel(directory: Path) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(features, labels) from the label-first, header-less CSV files of a channel."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise StepError(f"no CSV file in channel {directory}: feed the output of feature-engineering")
    frame = pd.concat([pd.read_csv(f, header=None) for f in files], ignore_index=True)
    return frame.iloc[:, 1:].to_numpy(dtype=np.float32), frame.iloc[:, 0].to_numpy(dtype=np.float32)


def balanced_weight(labels: np.ndarray[Any, Any]) -> float:
    """negatives / positives: the weight that gives both classes the same total weight."""
    positives = float(labels.sum())
    return round((len(labels) - positives) / positives, 4)


def train_xgboost(
    train: tuple[Any, Any], validation: tuple[Any, Any], params: dict[str, Any], model_dir: Path
) -> dict[str, float]:
    import xgboost as xgb

    # Failures are rare (about 7 % in the sample data): unweighted, the booster learns to say "no
    # failure" and its scores crowd below 0.5. XGBoost's own advice, sum(negatives)/sum(positives),
    # is the default; a candidate can still set scale_pos_weight (1 switches the weighting off).
    settings = {**XGBOOST_DEFAULTS, "scale_pos_weight": balanced_weight(train[1]), **params}
    rounds = ("num_round", "early_stopping_rounds")  # arguments of xgb.train, not booster parameters
    booster_params = {k: v for k, v in settings.items() if k in HYPERPARAMETERS["xgboost"] and k not in rounds}
    booster_params.update({"objective": "binary:logistic", "eval_metric": "auc", "nthread": 2})
    dtrain = xgb.DMatrix(train[0], label=train[1])
    dvalid = xgb.DMatrix(validation[0], label=validation[1])
    booster = xgb.train(
        booster_params,
        dtrain,
        num_boost_round=int(settings["num_round"]),
        evals=[(dvalid, "validation")],
        early_stopping_rounds=int(settings["early_stopping_rounds"]),
        verbose_eval=False,
    )
    # The file name SageMaker's XGBoost container loads; the content is XGBoost's UBJSON format.
    (model_dir / "xgboost-model").write_bytes(booster.save_raw(raw_format="ubj"))
    return {"validation_auc": float(booster.best_score), "best_iteration": float(booster.best_iteration)}


def train_random_forest(
    train: tuple[Any, Any], validation: tuple[Any, Any], params: dict[str, Any], model_dir: Path
) -> dict[str, float]:
    import joblib
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score

    model = RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", 200)),
        max_depth=params.get("max_depth"),
        min_samples_leaf=int(params.get("min_samples_leaf", 2)),
        random_state=int(params.get("seed", 42)),
        class_weight="balanced",  # the rare failures weigh as much as the many normal cycles
        n_jobs=2,
    )
    model.fit(train[0], train[1])
    joblib.dump(model, model_dir / "model.joblib")
    return {"validation_auc": float(roc_auc_score(validation[1], model.predict_proba(validation[0])[:, 1]))}


def train(paths: Paths, params: dict[str, Any]) -> dict[str, Any]:
    """Fit into a staging folder; the model folder gets the model only when everything worked
    (never a partial model, never over an earlier one)."""
    problems = hyperparameter_problems(params)
    if problems:
        raise StepError("hyperparameters: " + "; ".join(problems))
    algorithm = params.pop("algorithm", "xgboost")
    train_set, validation_set = read_channel(paths.channel("train")), read_channel(paths.channel("validation"))
    if len(np.unique(train_set[1])) < 2:
        raise StepError("the train channel holds a single class: the data needs failures and non-failures")
    trainer = train_xgboost if algorithm == "xgboost" else train_random_forest
    with atomic_directory(paths.model, keep_target=True) as model_dir:
        metrics = trainer(train_set, validation_set, params, model_dir)
        transformer = paths.channel("transformer")
        if transformer.is_dir():
            shutil.copytree(transformer, model_dir / "transformer", dirs_exist_ok=True)
        summary = {
            "algorithm": algorithm,
            "hyperparameters": params,
            "metrics": metrics,
            "train_rows": len(train_set[1]),
        }
        write_json(model_dir / "training-summary.json", summary)
    return summary


def predict_proba(model: Any, features: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Probability of the positive class for each row."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(features)[:, 1])
    import xgboost as xgb

    return np.asarray(
        model.inplace_predict(features) if hasattr(model, "inplace_predict") else model.predict(xgb.DMatrix(features))
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = base_parser(__doc__ or "").parse_args(argv)
    paths = Paths(args.base_dir)
    summary = train(paths, read_hyperparameters(paths))
    print(f"training: {summary['algorithm']} validation_auc={summary['metrics']['validation_auc']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "training"))
