"""__NAME__'s pipelines: the registry's, changed in Python (never in generated JSON).
`make asl` compiles them into infra/pipelines/ (ASL template + manifest), which Terraform deploys;
`mlops train-local --pipelines pipelines.py` runs their jobs on local folders."""

from __future__ import annotations

from pipelines_src import contracts
from pipelines_src.pipelines import definitions, states
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import Result


def training() -> Pipeline:
    """The registry's training pipeline with this use case's data check before training."""
    # The decision threshold maximises F-beta on the validation split (beta 2: recall counts
    # twice); the model must catch at least min_recall of the failures at it, and beat the
    # Approved champion by champion_margin on the evaluation metric (docs/pipelines.md).
    policy = contracts.EvaluationPolicy(beta=2.0, min_precision=0.0, min_recall=0.5, champion_margin=0.01)
    pipeline = definitions.training_pipeline(policy)
    features = Result("feature-engineering")
    pipeline.insert_before(
        "training",
        states.ProcessingStep(
            "data-validation",
            module="steps.validation",
            inputs={"train": features / "train/", "validation": features / "validation/"},
            output="report",
        ),
    )
    return pipeline


PIPELINES = {"training": training, "batch-inference": definitions.batch_pipeline}
