"""Each step on generated data: what it writes, and how it refuses bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines_src import contracts, datasets
from pipelines_src.steps import (
    artifacts,
    champion,
    data_load,
    evaluation,
    feature_engineering,
    model_card,
    monitoring,
    post_processing,
    training,
)
from pipelines_src.steps.container import Paths, StepError, atomic_directory, run
from tests.conftest import weak_model

SCHEMA = datasets.SCHEMA


# ----------------------------------------------------------------------------- container contract
def _job(base: Path, raw: pd.DataFrame | None = None) -> Paths:
    paths = Paths(base)
    if raw is not None:
        paths.processing_input("raw").mkdir(parents=True)
        raw.to_csv(paths.processing_input("raw") / "part-1.csv", index=False)
        (paths.processing_input("raw") / "schema.json").write_text(SCHEMA.to_json())
        paths.processing_input("schema").mkdir(parents=True)
        (paths.processing_input("schema") / "schema.json").write_text(SCHEMA.to_json())
    return paths


def test_processing_failure_writes_exit_message_and_no_output(tmp_path: Path) -> None:
    broken = datasets.generate(50).drop(columns=["torque_nm"])
    paths = _job(tmp_path, broken)
    assert run(data_load.main, ["--base-dir", str(tmp_path)], "processing") == 1
    message = (paths.output / "message").read_text()
    assert "missing columns ['torque_nm']: add them or update schema.json" in message
    assert not paths.processing_output("dataset").exists()


def test_training_failure_writes_failure_file(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    paths.channel("train").mkdir(parents=True)
    paths.channel("validation").mkdir(parents=True)
    pd.DataFrame([[0, 1.0], [0, 2.0]]).to_csv(paths.channel("train") / "train.csv", header=False, index=False)
    pd.DataFrame([[0, 1.0]]).to_csv(paths.channel("validation") / "v.csv", header=False, index=False)
    assert run(training.main, ["--base-dir", str(tmp_path)], "training") == 1
    assert "single class" in (paths.output / "failure").read_text()


def test_atomic_directory_never_overwrites_earlier_results(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target) as staging:
        (staging / "result.json").write_text("first")
    with pytest.raises(StepError, match="already holds results"), atomic_directory(target):
        pass
    with pytest.raises(RuntimeError), atomic_directory(tmp_path / "other") as staging:
        (staging / "half.json").write_text("partial")
        raise RuntimeError("crash")
    assert (target / "result.json").read_text() == "first" and not (tmp_path / "other").exists()


# ----------------------------------------------------------------------------- data-load
def test_data_load_validates_and_versions(tmp_path: Path) -> None:
    paths = _job(tmp_path, datasets.generate(400))
    assert data_load.main(["--base-dir", str(tmp_path)]) == 0
    profile = json.loads((paths.processing_output("dataset") / "profile.json").read_text())
    assert profile["rows"] == 400 and profile["data_version"].startswith("sha256:")
    assert pd.read_parquet(paths.processing_output("dataset") / "dataset.parquet")["cycle_id"].dtype == np.int64


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.assign(extra=1), r"unexpected columns \['extra'\]"),
        (lambda f: f.assign(torque_nm="high"), r"column 'torque_nm' expects float but has 60 non-numeric values"),
        (
            lambda f: f.assign(air_temperature_k=np.nan),
            r"'air_temperature_k' has 100.0% missing values, more than the 0.0% allowed",
        ),
        (
            lambda f: f.assign(vibration_mm_s=[np.nan] * 10 + [1.0] * 50),
            r"'vibration_mm_s' has 16.7% missing values, more than the 5.0% allowed",
        ),
        (lambda f: f.assign(failure=2), r"target 'failure' must be 0/1"),
        (
            lambda f: f.assign(torque_nm=[np.inf, -np.inf] + [40.0] * 58),
            r"column 'torque_nm' has 2 infinite values, e.g. \['inf', '-inf'\]: export finite numbers",
        ),
    ],
    ids=["extra-column", "wrong-type", "nan-not-nullable", "nan-over-threshold", "bad-label", "infinite"],
)
def test_data_load_rejects_bad_data(mutate: object, message: str) -> None:
    frame = mutate(datasets.generate(60))  # type: ignore[operator]
    with pytest.raises(StepError, match=message):
        data_load.validate(frame, SCHEMA)


def test_data_load_rejects_a_number_too_long_for_a_float(tmp_path: Path) -> None:
    """A 400-digit value parses as inf: refused with the column named, nothing written."""
    paths = _job(tmp_path, datasets.generate(60).astype({"torque_nm": object}))
    raw = paths.processing_input("raw") / "part-1.csv"
    lines = raw.read_text().splitlines()
    column = lines[0].split(",").index("torque_nm")
    cells = lines[1].split(",")
    cells[column] = "1" + "0" * 400
    raw.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    assert run(data_load.main, ["--base-dir", str(tmp_path)], "processing") == 1
    assert "column 'torque_nm' has 1 infinite values" in (paths.output / "message").read_text()
    assert not paths.processing_output("dataset").exists()


def test_data_load_rejects_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text(",".join(SCHEMA.names) + "\n")
    with pytest.raises(StepError, match=r"empty\.csv: the file has no rows"):
        data_load.read_raw(tmp_path)
    with pytest.raises(StepError, match=r"no \.csv or \.parquet file"):
        data_load.read_raw(tmp_path / "nothing")


def test_batch_mode_accepts_unlabelled_data() -> None:
    unlabelled = datasets.generate(30).drop(columns=["failure"])
    assert "failure" not in data_load.validate(unlabelled, SCHEMA, require_target=False).columns
    with pytest.raises(StepError, match=r"missing columns \['failure'\]"):
        data_load.validate(unlabelled, SCHEMA)


# ----------------------------------------------------------------------------- feature-engineering
def test_split_is_stratified_and_reproducible() -> None:
    frame = datasets.generate(2000)
    parts = feature_engineering.split(frame, "failure")
    assert sum(len(p) for p in parts.values()) == 2000
    rates = [p["failure"].mean() for p in parts.values()]
    assert max(rates) - min(rates) < 0.02
    assert feature_engineering.split(frame, "failure")["test"].index.equals(parts["test"].index)


def test_default_transformer_scales_encodes_and_tolerates_unseen_categories() -> None:
    frame = datasets.generate(500)
    transformer = feature_engineering.DefaultTransformer().fit(frame, SCHEMA)
    features = transformer.transform(frame)
    assert list(features.columns) == transformer.feature_names and not features.isna().any().any()
    assert abs(features["torque_nm"].mean()) < 1e-6 and "shift=night" in features.columns
    unseen = transformer.transform(frame.assign(machine_type="X").head(3))
    assert unseen[[c for c in features.columns if c.startswith("machine_type=")]].to_numpy().sum() == 0


def test_pluggable_transformer_spec_error_names_the_fix() -> None:
    with pytest.raises(StepError, match=r"give package\.module:Name"):
        feature_engineering.import_spec("nope.module:Missing")


# ----------------------------------------------------------------------------- training + evaluation
def test_training_chain_beats_the_trivial_baseline(trained: dict[str, Path]) -> None:
    decision = json.loads((trained["evaluation"] / "decision.json").read_text())
    assert decision["passed"] and decision["value"] > decision["trivial_baseline"]["auc"] + 0.2
    assert decision["best_candidate"] in {"candidate-0", "candidate-1"} and decision["best_index"] in {0, 1}
    metrics = json.loads((trained["evaluation"] / "evaluation.json").read_text())["binary_classification_metrics"]
    assert {"auc", "precision", "recall", "f1", "confusion_matrix", "precision_recall_curve"} <= set(metrics)
    assert metrics["auc"]["value"] == decision["value"]
    assert (trained["model"] / "transformer" / "transformer.pkl").exists()
    page = (trained["evaluation"] / "evaluation.html").read_text()
    assert page.count("data:image/png;base64") == 2 and "Operating point" in page  # ROC and precision-recall


def _test_split(trained: dict[str, Path]) -> tuple[np.ndarray, np.ndarray]:
    return training.read_channel(trained["features"] / "test")


def test_the_registered_model_carries_its_operating_point(trained: dict[str, Path]) -> None:
    """The threshold is chosen on validation and stored in the artefact the registry registers;
    the precision and recall reported at it are what the test split gives at that cut-off
    (recomputed here from the model and the split, not read back)."""
    point = json.loads((trained["evaluation"] / "decision.json").read_text())["operating_point"]
    assert json.loads((trained["model"] / artifacts.OPERATING_POINT).read_text()) == point
    assert point["chosen_on"] == "validation" and 0 < point["threshold"] < 1 and point["beta"] == 2
    features, labels = _test_split(trained)
    flagged = training.predict_proba(artifacts.load_model(trained["model"]), features) >= point["threshold"]
    caught = int((flagged & (labels == 1)).sum())
    assert labels.sum() > 0 and flagged.sum() > 0
    assert point["recall"] == round(caught / labels.sum(), 6) >= 0.5  # the default policy's min_recall
    assert point["precision"] == round(caught / flagged.sum(), 6)
    at_half = training.predict_proba(artifacts.load_model(trained["model"]), features) >= 0.5
    assert caught >= int((at_half & (labels == 1)).sum())


def test_decision_threshold_follows_beta() -> None:
    labels, scores = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    assert evaluation.decision_threshold(labels, scores, beta=1) == 0.35  # F1 0.8: both failures caught
    assert evaluation.decision_threshold(labels, scores, beta=0.5) == 0.8  # precision weighs more
    with pytest.raises(StepError, match="the validation split holds no failure"):
        evaluation.decision_threshold(np.zeros(4), scores)


def test_balanced_weight_and_its_bound() -> None:
    assert training.balanced_weight(np.array([0, 0, 0, 1.0])) == 3.0
    assert training.hyperparameter_problems({"scale_pos_weight": 1}) == []
    assert training.hyperparameter_problems({"scale_pos_weight": 0}) == ["scale_pos_weight=0: give a number > 0"]


def _evaluation_job(trained: dict[str, Path], base: Path) -> Paths:
    paths = Paths(base)
    shutil.copytree(trained["model"], paths.processing_input("models") / "candidate-0")
    for split in ("validation", "test"):
        shutil.copytree(trained["features"] / split, paths.processing_input(split))
    return paths


def test_evaluation_below_threshold_fails_with_metric_named(trained: dict[str, Path], tmp_path: Path) -> None:
    paths = _evaluation_job(trained, tmp_path)
    assert run(evaluation.main, ["--base-dir", str(tmp_path), "--threshold", "0.999"], "processing") == 1
    message = (paths.output / "message").read_text()
    assert "auc=" in message and "is below evaluation_threshold 0.999" in message
    assert not paths.processing_output("evaluation").exists()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--min-recall", "0.999"], "at its decision threshold is below min_recall 0.999"),
        (["--min-precision", "0.999"], "at its decision threshold is below min_precision 0.999"),
        (["--min-recall", "1.5"], "min_recall=1.5: give a number from 0 to 1"),
        (["--beta", "0"], "beta=0.0: give a number > 0"),
    ],
)
def test_evaluation_gates_the_operating_point(
    trained: dict[str, Path], tmp_path: Path, arguments: list[str], expected: str
) -> None:
    paths = _evaluation_job(trained, tmp_path)
    assert run(evaluation.main, ["--base-dir", str(tmp_path), *arguments], "processing") == 1
    assert expected in (paths.output / "message").read_text()
    assert not paths.processing_output("evaluation").exists()


def _break_model(model: Path, how: str) -> None:
    native, pickled, transformer = (
        model / "xgboost-model",
        model / "model.joblib",
        model / "transformer" / "transformer.pkl",
    )
    if how == "empty-xgboost-model":
        native.write_bytes(b"")
    elif how == "truncated-xgboost-model":
        native.write_bytes(native.read_bytes()[: native.stat().st_size // 2])
    elif how == "empty-model-joblib":
        native.unlink()
        pickled.write_bytes(b"")
    elif how == "empty-transformer":
        transformer.write_bytes(b"")
    elif how in ("corrupt-archive", "truncated-archive"):
        archive = model.parent / "archive" / "model.tar.gz"
        archive.parent.mkdir()
        shutil.make_archive(str(archive).removesuffix(".tar.gz"), "gztar", model)
        data = archive.read_bytes()
        archive.write_bytes(b"not a tar at all" * 64 if how == "corrupt-archive" else data[: len(data) // 2])
        shutil.rmtree(model)
        archive.parent.rename(model)


BROKEN = {
    "empty-xgboost-model": "xgboost-model is empty (0 bytes): the model artefact is broken",
    "truncated-xgboost-model": "xgboost-model is not an XGBoost model",
    "empty-model-joblib": "model.joblib is empty (0 bytes)",
    "empty-transformer": "transformer.pkl is empty (0 bytes)",
    "corrupt-archive": "not a readable model.tar.gz",
    "truncated-archive": "not a readable model.tar.gz",
}


@pytest.mark.parametrize("how", list(BROKEN))
def test_broken_model_artefacts_fail_the_contract_with_the_file_named(
    trained: dict[str, Path], tmp_path: Path, how: str
) -> None:
    """In a process of its own, as in a container: XGBoost aborts on an empty buffer, which no
    except clause could catch; the step must never get there."""
    paths = Paths(tmp_path)
    shutil.copytree(trained["candidate-0"], paths.processing_input("model") / "candidate-0")  # XGBoost
    _break_model(paths.processing_input("model") / "candidate-0", how)
    shutil.copytree(trained["dataset"], paths.processing_input("data"))
    shutil.copytree(trained["dataset"], paths.processing_input("dataset"))
    step = "feature_engineering" if how == "empty-transformer" else "batch_inference"
    args = ["--mode", "transform"] if step == "feature_engineering" else []
    done = subprocess.run(
        [sys.executable, "-m", f"pipelines_src.steps.{step}", "--base-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert BROKEN[how] in (paths.output / "message").read_text()
    assert not any(paths.processing_output("").glob("*/*")), "nothing written"


def test_evaluation_names_a_model_trained_on_another_feature_count(trained: dict[str, Path], tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    shutil.copytree(trained["model"], paths.processing_input("models") / "candidate-0")
    shutil.copytree(trained["features"] / "validation", paths.processing_input("validation"))
    test = pd.read_csv(next((trained["features"] / "test").glob("*.csv")), header=None)
    paths.processing_input("test").mkdir(parents=True)
    test.iloc[:, :-2].to_csv(paths.processing_input("test") / "test.csv", header=False, index=False)
    assert run(evaluation.main, ["--base-dir", str(tmp_path)], "processing") == 1
    message = (paths.output / "message").read_text()
    assert "the test split (candidate candidate-0) has" in message and "but the model was trained on" in message


def _training_job(trained: dict[str, Path], base: Path, hyperparameters: str | None) -> Paths:
    paths = Paths(base)
    for channel in ("train", "validation"):
        shutil.copytree(trained["features"] / channel, paths.channel(channel))
    if hyperparameters is not None:
        paths.hyperparameters.parent.mkdir(parents=True)
        paths.hyperparameters.write_text(hyperparameters)
    return paths


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ("{not json", "hyperparameters.json is not JSON"),
        ('["num_round", "3"]', "hyperparameters.json holds a list: give an object"),
        ('{"max_dept": "3"}', "'max_dept' is not a xgboost hyperparameter (did you mean 'max_depth'?)"),
        ('{"num_round": "0"}', "num_round=0: give an integer >= 1"),
        ('{"eta": "0"}', "eta=0: give a number > 0 and <= 1"),
        ('{"max_depth": "2.5"}', "max_depth=2.5: give an integer >= 1 and <= 64"),
        ('{"algorithm": "sklearn-random-forest", "eta": "0.1"}', "'eta' is not a sklearn-random-forest hyperparameter"),
        ('{"algorithm": "lightgbm"}', "algorithm='lightgbm': give one of ['xgboost', 'sklearn-random-forest']"),
    ],
    ids=["not-json", "not-object", "typo", "zero-rounds", "zero-eta", "fractional-depth", "other-algorithm", "unknown"],
)
def test_bad_hyperparameters_fail_naming_the_name_and_write_no_model(
    trained: dict[str, Path], tmp_path: Path, hyperparameters: str, message: str
) -> None:
    paths = _training_job(trained, tmp_path, hyperparameters)
    assert run(training.main, ["--base-dir", str(tmp_path)], "training") == 1
    assert message in (paths.output / "failure").read_text()
    assert not paths.model.exists() or not any(paths.model.iterdir()), "no partial model"


def test_training_never_writes_over_an_existing_model(trained: dict[str, Path], tmp_path: Path) -> None:
    paths = _training_job(trained, tmp_path, '{"num_round": "5"}')
    paths.model.mkdir(parents=True)  # SageMaker creates it empty: that is accepted
    assert run(training.main, ["--base-dir", str(tmp_path)], "training") == 0
    first = (paths.model / "xgboost-model").read_bytes()
    assert run(training.main, ["--base-dir", str(tmp_path)], "training") == 1
    assert "already holds results" in (paths.output / "failure").read_text()
    assert (paths.model / "xgboost-model").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "model", "output"], "no staging left behind"


def test_candidate_index_follows_map_order() -> None:
    assert [evaluation.candidate_index(n) for n in ("candidate-0", "candidate-2", "candidate-10", "model")] == [
        0,
        2,
        10,
        0,
    ]


def test_models_in_framework_formats(trained: dict[str, Path]) -> None:
    assert (trained["candidate-0"] / "xgboost-model").exists()
    assert (trained["candidate-1"] / "model.joblib").exists()


# ----------------------------------------------------------------------------- monitoring
def test_training_monitoring_writes_every_report(trained: dict[str, Path]) -> None:
    names = {p.name for p in trained["monitoring"].iterdir()}
    assert {
        "statistics.json",
        "constraints.json",
        "bias.json",
        "bias.html",
        "explainability.json",
        "explainability.html",
    } <= names
    stats = json.loads((trained["monitoring"] / "statistics.json").read_text())
    torque = next(f for f in stats["features"] if f["name"] == "torque_nm")
    assert torque["inferred_type"] == "Fractional" and torque["numerical_statistics"]["distribution"]["kll"]["buckets"]
    constraints = json.loads((trained["monitoring"] / "constraints.json").read_text())
    shift = next(f for f in constraints["features"] if f["name"] == "shift")
    assert shift["string_constraints"]["domains"] == ["day", "night"]


def test_drift_is_flagged_only_on_drifted_features() -> None:
    baseline = monitoring.statistics(datasets.generate(3000, seed=1), SCHEMA)
    limits = monitoring.constraints(baseline)
    same, _ = monitoring.violations(baseline, limits, datasets.generate(2000, seed=2), {"failure", "cycle_id"})
    assert same == []
    drifted, distance = monitoring.violations(
        baseline, limits, datasets.generate(2000, seed=3, drift=True), {"failure", "cycle_id"}
    )
    flagged = {v["feature_name"] for v in drifted if v["constraint_check_type"] == "baseline_drift_check"}
    assert flagged == {"torque_nm", "tool_wear_min", "vibration_mm_s", "spindle_load_pct"}  # load follows torque
    assert distance["torque_nm"] > 0.1 and distance["air_temperature_k"] < 0.1


def test_structural_violations() -> None:
    baseline = monitoring.statistics(datasets.generate(500), SCHEMA)
    frame = datasets.generate(200).drop(columns=["coolant_pressure_bar"]).assign(shift="weekend", surprise=1)
    checks = {
        (v["feature_name"], v["constraint_check_type"])
        for v in monitoring.violations(baseline, monitoring.constraints(baseline), frame, {"failure", "cycle_id"})[0]
    }
    assert {
        ("coolant_pressure_bar", "missing_column_check"),
        ("shift", "categorical_values_check"),
        ("surprise", "extra_column_check"),
    } <= checks


def test_bias_metrics_on_known_data() -> None:
    facet = pd.Series(["a"] * 6 + ["d"] * 4)
    labels = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0, 0])
    predicted = np.array([1, 1, 0, 0, 0, 0, 1, 1, 0, 0])
    report = monitoring.bias_report(facet, labels, predicted, "group", "label")
    d = next(g for g in report["pre_training_bias_metrics"]["facets"]["group"] if g["value_or_threshold"] == "d")
    values = {m["name"]: m["value"] for m in d["metrics"]}
    assert values == {"CI": pytest.approx(0.2, abs=1e-6), "DPL": pytest.approx(0.5 - 0.25, abs=1e-6)}
    post = next(g for g in report["post_training_bias_metrics"]["facets"]["group"] if g["value_or_threshold"] == "d")
    assert {m["name"]: m["value"] for m in post["metrics"]} == {
        "DPPL": pytest.approx(2 / 6 - 0.5, abs=1e-6),
        "DI": pytest.approx(0.5 / (2 / 6), abs=1e-6),
    }


def test_tree_shap_is_exact(trained: dict[str, Path]) -> None:
    import xgboost as xgb

    model = artifacts.load_model(trained["candidate-0"])
    features, _ = training.read_channel(trained["features"] / "test")
    values, expected, method = monitoring.shap_values(model, features[:50])
    margins = model.predict(xgb.DMatrix(features[:50]), output_margin=True)
    assert method == "tree_shap" and np.allclose(values.sum(axis=1) + expected, margins, atol=1e-4)


# ----------------------------------------------------------------------------- post-processing
def test_post_processing_rules() -> None:
    predictions = pd.DataFrame([[1, 0.1, 0.2], [2, 0.3, 0.6], [3, 0.2, 0.95]])
    decisions = post_processing.decide(predictions, post_processing.maintenance_rules, 0.5)
    assert decisions["action"].tolist() == ["ok", "schedule-maintenance", "stop-and-inspect"]
    assert decisions["id"].tolist() == [1, 2, 3]


# ----------------------------------------------------------------------------- champion-challenger
def _champion_job(trained: dict[str, Path], base: Path, champion: Path) -> Paths:
    paths = Paths(base)
    shutil.copytree(champion, paths.processing_input("champion") / "model")
    shutil.copytree(trained["model"], paths.processing_input("challenger") / "model")
    shutil.copytree(trained["features"] / "holdout", paths.processing_input("holdout"))
    return paths


def test_a_challenger_that_beats_the_champion_goes_on(trained: dict[str, Path], tmp_path: Path) -> None:
    weak = weak_model(trained["model"], tmp_path / "weak")
    paths = _champion_job(trained, tmp_path / "job", weak)
    assert run(champion.main, ["--base-dir", str(paths.base), "--champion-package", "arn:champ"], "processing") == 0
    result = json.loads((paths.processing_output("comparison") / "comparison.json").read_text())
    assert result["outcome"] == "challenger-better" and result["champion_package"] == "arn:champ"
    assert result["challenger_value"] > result["champion_value"] + 0.2  # noise scores about 0.5
    assert result["champion"]["threshold_source"] == "validation"  # no stored threshold in it
    assert result["challenger"]["threshold_source"] == "stored"
    # the challenger's figures are model-evaluation's: same rows, same threshold
    evaluated = json.loads((trained["evaluation"] / "evaluation.json").read_text())["binary_classification_metrics"]
    assert result["challenger_value"] == evaluated["auc"]["value"]
    assert result["challenger"]["binary_classification_metrics"]["recall"] == evaluated["recall"]
    assert (paths.processing_output("comparison") / "comparison.html").read_text().count("data:image/png") == 1


@pytest.mark.parametrize(("margin", "outcome"), [("0.01", "champion-kept"), ("0", "challenger-better")])
def test_an_equal_challenger_needs_the_margin(
    trained: dict[str, Path], tmp_path: Path, margin: str, outcome: str
) -> None:
    paths = _champion_job(trained, tmp_path, trained["model"])
    assert run(champion.main, ["--base-dir", str(tmp_path), "--margin", margin], "processing") == 0
    result = json.loads((paths.processing_output("comparison") / "comparison.json").read_text())
    assert (result["outcome"], result["improvement"]) == (outcome, 0)


def test_champion_challenger_refuses_missing_holdout(trained: dict[str, Path], tmp_path: Path) -> None:
    paths = _champion_job(trained, tmp_path, trained["model"])
    shutil.rmtree(paths.processing_input("holdout"))
    assert run(champion.main, ["--base-dir", str(tmp_path)], "processing") == 1
    assert "holdout/ output as 'holdout'" in (paths.output / "message").read_text()
    assert not paths.processing_output("comparison").exists()


CARD_FACTS = {
    "intended_uses": "rank machines for inspection",
    "risk_rating": "Medium",
    "explanations_for_risk_rating": "a person decides every repair",
}


def _card_job(trained: dict[str, Path], base: Path) -> Paths:
    paths = Paths(base)
    shutil.copytree(trained["evaluation"], paths.processing_input("evaluation"))
    return paths


def test_the_training_run_writes_a_draft_card_naming_the_missing_facts(trained: dict[str, Path]) -> None:
    """The local chain's input gives no model_card: the card is a Draft that says what is missing."""
    card = json.loads((trained["card"] / "card.json").read_text())
    assert card["status"] == "Draft"
    assert [p.split(":")[0] for p in card["problems"]] == [f"model_card.{f}" for f in contracts.CARD_REQUIRED_FACTS]
    assert (trained["card"] / "model-card.html").read_text().count("model_card.") == 3


def test_a_card_with_the_use_cases_facts_is_complete_and_carries_the_metrics(
    trained: dict[str, Path], tmp_path: Path
) -> None:
    paths = _card_job(trained, tmp_path)
    execution_input = {"use_case": "quality", "data_uri": "s3://lake/raw/", "model_card": CARD_FACTS}
    args = ["--base-dir", str(tmp_path), "--execution-input", json.dumps(execution_input)]
    assert run(model_card.main, args, "processing") == 0
    card = json.loads((paths.processing_output("card") / "card.json").read_text())
    assert (card["status"], card["problems"]) == ("PendingReview", [])
    content = card["content"]
    assert content["intended_uses"]["risk_rating"] == "Medium"
    assert content["intended_uses"]["intended_uses"] == CARD_FACTS["intended_uses"]
    evaluated = json.loads((trained["evaluation"] / "evaluation.json").read_text())
    metrics = {m["name"]: m["value"] for m in content["evaluation_details"][0]["metric_groups"][0]["metric_data"]}
    assert metrics["auc"] == evaluated["binary_classification_metrics"]["auc"]["value"]
    decision = json.loads((trained["evaluation"] / "decision.json").read_text())
    assert metrics["decision_threshold"] == decision["operating_point"]["threshold"]
    assert content["training_details"]["training_job_details"]["training_datasets"] == ["s3://lake/raw/"]


@pytest.mark.parametrize(
    ("facts", "problem"),
    [
        ({**CARD_FACTS, "risk_rating": "Extreme"}, "model_card.risk_rating: 'Extreme' is no rating"),
        ({**CARD_FACTS, "intended_uses": " "}, "model_card.intended_uses: give it"),
        ({**CARD_FACTS, "owner": "me"}, "model_card.owner: unknown field"),
        ("not an object", "model_card: give an object of strings"),
    ],
)
def test_bad_card_facts_make_a_draft_naming_the_field(
    trained: dict[str, Path], tmp_path: Path, facts: object, problem: str
) -> None:
    paths = _card_job(trained, tmp_path)
    args = ["--base-dir", str(tmp_path), "--execution-input", json.dumps({"model_card": facts})]
    assert run(model_card.main, args, "processing") == 0
    card = json.loads((paths.processing_output("card") / "card.json").read_text())
    assert card["status"] == "Draft" and any(p.startswith(problem) for p in card["problems"]), card["problems"]
    assert card["content"]["intended_uses"]["risk_rating"] in ("High", "Medium", "Low", "Unknown")
