"""model-card (processing): the SageMaker Model Card of the model about to be registered, in the
card's JSON schema (model overview, intended uses, training details, evaluation details with the
metrics, risk rating, additional information), from model-evaluation's results and the facts the
use case gives in its execution input (`model_card`). A card whose intended-use and risk fields
are not all filled is written as Draft with the missing fields named: such a package cannot be
approved (`mlops approve-model` refuses it, auto-approval skips it) until the card is completed.

Inputs:  processing/input/evaluation/ (evaluation.json, decision.json of model-evaluation)
Outputs: processing/output/card/card.json ({"status", "problems", "content"}: content is the
         Model Card content CreateModelCard takes), model-card.html (the card as a page)
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines_src.contracts import (
    CARD_COMPLETE,
    CARD_DRAFT,
    CARD_OPTIONAL_FACTS,
    CARD_REQUIRED_FACTS,
    RISK_RATINGS,
    card_problems,
)
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json


def facts_of(execution_input: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The use case's card facts, and what is wrong with their shape (a wrong key, a non-string)."""
    facts = execution_input.get("model_card") or {}
    if not isinstance(facts, dict):
        return {}, ['model_card: give an object of strings, e.g. {"intended_uses": "...", "risk_rating": "Medium"}']
    known = set(CARD_REQUIRED_FACTS + CARD_OPTIONAL_FACTS)
    problems = [f"model_card.{k}: unknown field; use one of {sorted(known)}" for k in sorted(set(facts) - known)]
    problems += [
        f"model_card.{k}: give a string" for k, v in sorted(facts.items()) if k in known and not isinstance(v, str)
    ]
    rating = facts.get("risk_rating")
    if isinstance(rating, str) and rating not in RISK_RATINGS:
        problems.append(f"model_card.risk_rating: {rating!r} is no rating; give one of {list(RISK_RATINGS)}")
    return {k: v for k, v in facts.items() if k in known and isinstance(v, str)}, problems


def _metric_data(evaluation: dict[str, Any], decision: dict[str, Any]) -> list[dict[str, Any]]:
    values = evaluation.get("binary_classification_metrics", {})
    data = [
        {"name": name, "type": "number", "value": float(entry["value"])}
        for name, entry in sorted(values.items())
        if isinstance(entry, dict) and isinstance(entry.get("value"), int | float)
    ]
    threshold = decision.get("operating_point", {}).get("threshold")
    if threshold is not None:
        data.append({"name": "decision_threshold", "type": "number", "value": float(threshold)})
    return data


def card_content(
    facts: dict[str, str], execution_input: dict[str, Any], evaluation: dict[str, Any], decision: dict[str, Any]
) -> dict[str, Any]:
    """The Model Card content (SageMaker's model card JSON schema)."""
    best = int(decision.get("best_index", 0))
    sets = execution_input.get("hyperparameter_sets") or [{}]
    chosen = sets[best] if best < len(sets) else {}
    data_uri = str(execution_input.get("data_uri", ""))
    point = decision.get("operating_point", {})
    return {
        "model_overview": {
            "model_description": f"binary classifier of use case {execution_input.get('use_case')}, "
            f"candidate {decision.get('best_candidate')} of experiment {execution_input.get('experiment')}",
            "model_owner": facts.get("model_owner", ""),
            "problem_type": "Binary Classification",
            "algorithm_type": str(chosen.get("algorithm", "xgboost")),
        },
        "intended_uses": {
            name: facts.get(name, "")
            for name in ("purpose_of_model", "intended_uses", "factors_affecting_model_efficiency")
        }
        | {
            # the schema allows these ratings only: anything else is "Unknown" (and a problem)
            "risk_rating": facts["risk_rating"] if facts.get("risk_rating") in RISK_RATINGS else "Unknown",
            "explanations_for_risk_rating": facts.get("explanations_for_risk_rating", ""),
        },
        "training_details": {
            "training_job_details": {
                "training_datasets": [data_uri],
                "hyper_parameters": [{"name": k, "value": str(v)} for k, v in sorted(chosen.items())],
            }
        },
        "evaluation_details": [
            {
                "name": f"test split at decision threshold {point.get('threshold')}",
                "evaluation_observation": f"threshold chosen on the {point.get('chosen_on', 'validation')} split "
                f"(F-beta, beta {point.get('beta')}); gate {decision.get('metric')} >= {decision.get('threshold')}",
                "datasets": [data_uri],
                "metric_groups": [{"name": "binary classification", "metric_data": _metric_data(evaluation, decision)}],
            }
        ],
        "additional_information": {
            "ethical_considerations": facts.get("ethical_considerations", ""),
            "caveats_and_recommendations": facts.get("caveats_and_recommendations", ""),
        },
    }


def write_card_html(path: Path, card: dict[str, Any]) -> Path:
    """The card as one printable page (sections as tables, problems first)."""

    def rows(section: dict[str, Any]) -> str:
        cells = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v if isinstance(v, str) else json.dumps(v))}</td></tr>"
            for k, v in section.items()
        )
        return f"<table>{cells}</table>"

    content = card["content"]
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in card["problems"])
    sections = [
        f"<h2>{html.escape(name.replace('_', ' '))}</h2>" + rows(body if isinstance(body, dict) else {"": body})
        for name, body in content.items()
    ]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Model card</title>"
        "<style>body{font-family:sans-serif;max-width:60em}th{text-align:left;vertical-align:top;padding-right:1em}"
        "@media print{h2{page-break-after:avoid}}</style></head><body>"
        f"<h1>Model card ({html.escape(card['status'])})</h1>"
        + (f"<p>Not approvable until these are filled:</p><ul>{problems}</ul>" if problems else "")
        + "".join(sections)
        + "</body></html>"
    )
    path.write_text(page)
    return path


def _read(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    if not path.exists():
        raise StepError(f"{path} missing: feed model-evaluation's output as 'evaluation'")
    return dict(json.loads(path.read_text()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--execution-input", required=True, help="the execution's input as JSON text")
    args = parser.parse_args(argv)
    try:
        execution_input = json.loads(args.execution_input)
    except json.JSONDecodeError as exc:
        raise StepError(f"--execution-input: not JSON ({exc}); pass States.JsonToString($$.Execution.Input)") from exc
    paths = Paths(args.base_dir)
    evaluation = paths.processing_input("evaluation")
    facts, problems = facts_of(execution_input)
    content = card_content(
        facts, execution_input, _read(evaluation, "evaluation.json"), _read(evaluation, "decision.json")
    )
    problems += card_problems(content)
    card = {"status": CARD_DRAFT if problems else CARD_COMPLETE, "problems": problems, "content": content}
    with atomic_directory(paths.processing_output("card")) as out:
        write_json(out / "card.json", card)
        write_card_html(out / "model-card.html", card)
    print(f"model-card: {card['status']}" + (f", missing: {'; '.join(problems)}" if problems else ""))
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
