"""`mlops demo-promotion`: one use case across the accounts a regulated enterprise runs, on the
local emulator (each account its own moto state; each root's provider assumes a role there).

data-lake account: its root applied, the raw sample put there by the data-lake account ->
dev (the emulator's own account, the template of `make demo`): training reads the data lake
where it lies, a reviewer approves the package -> promoted to preprod (a batch-inference-only
root applied into its account): preprod's own registry event starts the smoke batch with the
promoted version -> only a succeeded smoke lets the person promoting to prod record the approval
(who, when, why) -> prod's batch scores with exactly that version.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines_src import approvals, datasets, executions, promotion
from pipelines_src.local import demo, emulator
from pipelines_src.local import terraform as tf

LAKE = "111111111111"  # dev is the emulator's own account, where `make demo` applies the template
STAGE_ACCOUNTS = {"preprod": "222222222222", "prod": "333333333333"}
SMOKE_ROWS = 300
RootFor = Callable[[Path, str | None], tf.TerraformRoot]  # a root staged for an account (None: dev)


@dataclass(frozen=True)
class Roots:
    """The example roots of each account (the Makefile passes the registry's)."""

    dev: Path
    dev_var_files: list[Path]
    lake: Path
    stage: Path  # applied as preprod and as prod


@dataclass
class AccountSteps:
    account: str
    role: str  # data lake, dev, preprod, prod
    did: list[str] = field(default_factory=list)


@dataclass
class PromotionReport:
    accounts: list[AccountSteps] = field(default_factory=list)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    executions: list[dict[str, Any]] = field(default_factory=list)
    config: str = ""


def put_sample(s3: Any, uri: str, rows: int, seed: int) -> None:
    """The seeded predictive-maintenance sample (CSV and schema) under `uri` (s3://bucket/prefix/)."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    with tempfile.TemporaryDirectory() as scratch:
        datasets.write_sample(Path(scratch), rows=rows, seed=seed)
        for path in sorted(Path(scratch).iterdir()):
            s3.upload_file(str(path), bucket, f"{prefix}{path.name}")


def version_of(package_arn: str) -> str:
    """`group/version` of a model package ARN."""
    return "/".join(package_arn.rsplit("/", 2)[-2:])


@dataclass
class PromotionDemo:
    info: emulator.Emulator
    root_for: RootFor
    roots: Roots
    log: demo.Log = print
    report: PromotionReport = field(default_factory=PromotionReport)

    def record(self, account: str, role: str, line: str) -> None:
        steps = next((a for a in self.report.accounts if a.account == account), None)
        if steps is None:
            steps = AccountSteps(account, role)
            self.report.accounts.append(steps)
        steps.did.append(line)
        self.log(f"    {role:<9} {account}  {line}")

    def record_execution(self, account: str, pipeline: str, execution: executions.Execution) -> None:
        self.report.executions.append(
            {
                "account": account,
                "pipeline": pipeline,
                "name": execution.name,
                "status": execution.status,
                "seconds": execution.seconds,
                "model_package_arn": execution.output.get("model_package_arn"),
            }
        )

    def data_lake(self, dev: dict[str, Any]) -> str:
        """The data lake's root in its account, sharing <use_case>/raw/ with dev's execution
        role; the raw sample written by the data-lake account. Returns the URI dev trains from."""
        use_case, role = dev["use_case"], dev["role_arns"]["sagemaker-execution"]
        consumers = {use_case: {"prefixes": [f"{use_case}/raw/"], "role_arn": role}}
        lake = demo.deploy(self.root_for(self.roots.lake, LAKE), [], {"consumers": consumers, "force_destroy": True})
        self.record(
            LAKE,
            "data lake",
            f"terraform apply {self.roots.lake.name}: bucket {lake['bucket']} shares {use_case}/raw/ with "
            f"{role} (a KMS grant and read, every write denied)",
        )
        uri = f"s3://{lake['bucket']}/{use_case}/raw/"
        put_sample(self.info.client("s3", LAKE), uri, demo.TRAINING_ROWS, seed=7)
        self.record(LAKE, "data lake", f"{demo.TRAINING_ROWS} labelled rows written to {uri} by this account")
        return uri

    def train_in_dev(self, dev: dict[str, Any], data_uri: str) -> str:
        """Dev's deployed training pipeline on the data lake's prefix; the package a reviewer approves."""
        deployment, account = demo.Deployment.of(dev, self.roots.dev), dev["promotion_stage"]["account_id"]
        c = demo.clients(self.info)
        # Dev's own batch (its Approved rule starts one) scores a drift-free sample, not a stale one.
        put_sample(c["s3"], f"s3://{deployment.data_bucket}/{deployment.use_case}/to-score/", SMOKE_ROWS, seed=21)
        execution_input = demo.training_input(deployment.use_case, data_uri, "promotion")
        training = demo.run_training(c, deployment, execution_input, lambda _: None)
        self.record_execution(account, "training", training)
        if training.status != "SUCCEEDED":
            raise demo.DemoFailed(f"dev training {training.name} {training.status}: {training.error} {training.cause}")
        outcome = demo.TrainingOutcome.of(training)
        package = outcome.package_arn
        decision = training.output["steps"].get("read_decision", {}).get("decision", {})
        self.record(
            account,
            "dev",
            f"training {training.name} read {data_uri}: SUCCEEDED, {decision.get('metric')}={decision.get('value')}, "
            + (f"package {version_of(package)} PendingManualApproval" if outcome.registered else outcome.line()),
        )
        if not outcome.registered:  # after `make demo`: dev's approved champion is what gets promoted
            return package
        try:
            history = approvals.approve_model(c["sagemaker"], package, "approved in the promotion demo's dev review")
        except approvals.ApprovalRefused as exc:
            raise demo.DemoFailed(str(exc)) from exc
        self.record(account, "dev", f"a reviewer approved {version_of(package)} ({' -> '.join(history)})")
        return package

    def apply_stage(self, stage: str, dev: dict[str, Any], image_uri: str) -> dict[str, Any]:
        """The inference-only root as `stage` in its account (the dev package's image; the
        nightly run scores with the stage's first promoted version: its group starts at 1), and
        a drift-free sample to score in its data bucket."""
        account, use_case = STAGE_ACCOUNTS[stage], dev["use_case"]
        region = dev["promotion_stage"]["kms_key_arn"].split(":")[3]
        tags = {
            "cost-center": "cc-1234",
            "data-classification": "confidential",
            "environment": stage,
            "owner": "ml-platform@example.com",
        }
        variables = {
            "use_case": use_case,
            "image_uri": image_uri,
            "mandatory_tags": tags,
            "model_package_arn": f"arn:aws:sagemaker:{region}:{account}:model-package/{use_case}-{stage}/1",
        }
        outputs = demo.deploy(self.root_for(self.roots.stage, account), [], variables)
        self.record(
            account,
            stage,
            f"terraform apply {self.roots.stage.name}: inference only (state machine "
            f"{outputs['batch_state_machine_arn'].rsplit(':', 1)[-1]}, no training, no Studio), "
            f"registry {outputs['model_package_group']}",
        )
        put_sample(self.info.client("s3", account), outputs["data_uri"], SMOKE_ROWS, seed=29)
        return outputs

    def promote_and_score(
        self, connect: promotion.Connect, stages: promotion.Stages, package: str, stage: dict[str, Any], why: str
    ) -> tuple[str, executions.Execution]:
        """`mlops promote` to the stage; the batch its registry's Approved event starts, followed."""
        account, name = stage["promotion_stage"]["account_id"], stage["promotion_stage"]["name"]
        machine, sfn = stage["batch_state_machine_arn"], self.info.client("stepfunctions", account)
        known = {e["executionArn"] for e in executions.recent(sfn, machine, 50)}
        done = promotion.promote(connect, stages, package, name, why)
        self.report.promotions.append(asdict(done) | {"why": why})
        self.record(
            account,
            name,
            f"promoted {version_of(package)} -> {version_of(done.target_arn)} (Approved) by {done.promoted_by} at "
            f'{done.promoted_at}: "{why}"; {len(done.copied)} artefacts copied under its key',
        )
        batch = executions.follow(sfn, executions.wait_for_new(sfn, machine, known))
        self.record_execution(account, "batch-inference", batch)
        scored_with = batch.output.get("model_package_arn")
        if batch.status != "SUCCEEDED" or scored_with != done.target_arn:
            raise demo.DemoFailed(
                f"{name}'s batch {batch.name} {batch.status} with {scored_with}: {batch.error} {batch.cause}"
            )
        predictions = batch.output["steps"]["batch_inference"]["output"]
        rows = demo.count_rows(self.info.client("s3", account), predictions, ".out", header=False)
        self.record(
            account,
            name,
            f"its registry's Approved event started batch {batch.name}: SUCCEEDED, {rows} rows scored with "
            f"exactly {version_of(done.target_arn)}",
        )
        return done.target_arn, batch

    def run(self, out_dir: Path) -> PromotionReport:
        """Data lake -> dev -> preprod -> prod; what each account did, in the report."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self.log(f"[2/6] dev: terraform apply {self.roots.dev} in the emulator's own account")
        dev = demo.deploy(self.root_for(self.roots.dev, None), self.roots.dev_var_files)
        self.log("[3/6] data lake: its root and its raw data, in its own account")
        data_uri = self.data_lake(dev)
        self.log("[4/6] dev: training reads the data lake where it lies; a reviewer approves the package")
        package = self.train_in_dev(dev, data_uri)
        described = self.info.client("sagemaker").describe_model_package(ModelPackageName=package)
        image_uri = described["InferenceSpecification"]["Containers"][0]["Image"]
        self.log("[5/6] preprod and prod: their roots applied; the package promoted to preprod, its smoke batch")
        # Two accounts, two roots, no shared state: applied at once, as two pipelines would. Each
        # apply spends most of its minute in the provider's waiters (S3 lifecycle: 10 equal reads
        # 5 s apart), so together they take the time of one.
        for stage in ("preprod", "prod"):  # listed in this order whichever apply ends first
            self.report.accounts.append(AccountSteps(STAGE_ACCOUNTS[stage], stage))
        with ThreadPoolExecutor(max_workers=2) as pool:
            preprod, prod = pool.map(lambda stage: self.apply_stage(stage, dev, image_uri), ("preprod", "prod"))
        config = write_stages(dev, preprod, prod, out_dir)
        self.report.config = str(config)
        stages = promotion.load_stages(config)
        connect = promotion.connector(**self.info.settings())
        why = "dev review passed; smoke test in preprod"
        preprod_package, smoke = self.promote_and_score(connect, stages, package, preprod, why)
        self.log("[6/6] prod: the smoke batch succeeded, so the package is promoted with the recorded approval")
        why = f"smoke batch {smoke.name} SUCCEEDED in preprod; approved for prod"
        self.promote_and_score(connect, stages, preprod_package, prod, why)
        return self.report


def write_stages(dev: dict[str, Any], preprod: dict[str, Any], prod: dict[str, Any], out_dir: Path) -> Path:
    """promotion.yaml as a use case writes it: each root's promotion_stage output, with the role
    the promoter assumes in that account (on the emulator any role of the account will do)."""
    stages = []
    for outputs in (dev, preprod, prod):
        stage = dict(outputs["promotion_stage"])
        stage["role_arn"] = f"arn:aws:iam::{stage['account_id']}:role/mlops/{dev['use_case']}-promoter"
        stages.append(stage)
    path = out_dir / "promotion.yaml"
    header = "# Written by mlops demo-promotion from each stage root's promotion_stage output.\n"
    path.write_text(header + yaml.safe_dump({"stages": stages}, sort_keys=False))
    return path


def summary(report: PromotionReport) -> str:
    lines = ["", "Summary: which account did what", "==============================="]
    for steps in report.accounts:
        lines.append(f"{steps.role} ({steps.account})")
        lines += [f"    {line}" for line in steps.did]
    lines.append(f"promotion.yaml  {report.config} (mlops rollback --stage prod --local --config <it> --why ...)")
    return "\n".join(lines)


def write_summary(report: PromotionReport, out_dir: Path) -> Path:
    path = out_dir / "summary.json"
    path.write_text(json.dumps(asdict(report), indent=2, default=str))
    return path
