"""training (training job): fit XGBoost or a scikit-learn random forest on the `train` channel,
early-stopped on `validation`; hyperparameters come from hyperparameters.json.

The model directory holds what SageMaker's framework containers load: `xgboost-model` (XGBoost's
native format) or `model.joblib` (scikit-learn), plus the fitted transformer from the
`transformer` channel so that the model archive carries its own preprocessing.
"""

from __future__ import annotations

import pickle
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.steps.container import Paths, StepError, base_parser, read_hyperparameters, run, write_json

ALGORITHMS = ("xgboost", "sklearn-random-forest")
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
XGBOOST_PARAMETERS = (
    "max_depth",
    "eta",
    "subsample",
    "colsample_bytree",
    "min_child_weight",
    "seed",
    "gamma",
    "lambda",
    "alpha",
)


def read_channel(directory: Path) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(features, labels) from the label-first, header-less CSV files of a channel."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise StepError(f"no CSV file in channel {directory}: feed the output of feature-engineering")
    frame = pd.concat([pd.read_csv(f, header=None) for f in files], ignore_index=True)
    return frame.iloc[:, 1:].to_numpy(dtype=np.float32), frame.iloc[:, 0].to_numpy(dtype=np.float32)


def train_xgboost(
    train: tuple[Any, Any], validation: tuple[Any, Any], params: dict[str, Any], model_dir: Path
) -> dict[str, float]:
    import xgboost as xgb

    settings = {**XGBOOST_DEFAULTS, **params}
    booster_params = {k: settings[k] for k in XGBOOST_PARAMETERS if k in settings}
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
        n_jobs=2,
    )
    model.fit(train[0], train[1])
    joblib.dump(model, model_dir / "model.joblib")
    return {"validation_auc": float(roc_auc_score(validation[1], model.predict_proba(validation[0])[:, 1]))}


def train(paths: Paths, params: dict[str, Any]) -> dict[str, Any]:
    algorithm = params.pop("algorithm", "xgboost")
    if algorithm not in ALGORITHMS:
        raise StepError(f"hyperparameter algorithm={algorithm!r} is unknown: use one of {ALGORITHMS}")
    train_set, validation_set = read_channel(paths.channel("train")), read_channel(paths.channel("validation"))
    if len(np.unique(train_set[1])) < 2:
        raise StepError("the train channel holds a single class: the data needs failures and non-failures")
    paths.model.mkdir(parents=True, exist_ok=True)
    trainer = train_xgboost if algorithm == "xgboost" else train_random_forest
    metrics = trainer(train_set, validation_set, params, paths.model)
    transformer = paths.channel("transformer")
    if transformer.is_dir():
        shutil.copytree(transformer, paths.model / "transformer", dirs_exist_ok=True)
    summary = {"algorithm": algorithm, "hyperparameters": params, "metrics": metrics, "train_rows": len(train_set[1])}
    write_json(paths.model / "training-summary.json", summary)
    return summary


def load_model(model_dir: Path) -> Any:
    """The trained model of a model directory, whichever algorithm made it."""
    if (model_dir / "xgboost-model").exists():
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(bytearray((model_dir / "xgboost-model").read_bytes()))  # UBJSON, as saved
        booster.set_param({"nthread": 1})
        return booster
    if (model_dir / "model.joblib").exists():
        import joblib

        return joblib.load(model_dir / "model.joblib")
    raise StepError(f"no xgboost-model or model.joblib in {model_dir}: pass the training job's model artefact")


def predict_proba(model: Any, features: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Probability of the positive class for each row."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(features)[:, 1])
    import xgboost as xgb

    return np.asarray(
        model.inplace_predict(features) if hasattr(model, "inplace_predict") else model.predict(xgb.DMatrix(features))
    )


def load_transformer(model_dir: Path) -> Any:
    path = model_dir / "transformer" / "transformer.pkl"
    return pickle.loads(path.read_bytes()) if path.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    args = base_parser(__doc__ or "").parse_args(argv)
    paths = Paths(args.base_dir)
    summary = train(paths, read_hyperparameters(paths))
    print(f"training: {summary['algorithm']} validation_auc={summary['metrics']['validation_auc']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "training"))
