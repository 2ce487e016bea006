"""Upgrading a use case from the 0.1.0 modules to today's (issue 20): the released 0.1.0 template
applied to an emulator of its own, its files replaced by today's with the state kept, and a plan:
no stateful resource (bucket, table, key, state machine, repository, model group, topic) is
replaced or destroyed: the moved blocks of the CHANGELOGs' upgrade sections hold."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO

# The last commit whose every module folder is exactly its 0.1.0 release (checked below against
# modules/releases.json): the template as a use case had it before the 1.0 releases.
RELEASED_0_1_0 = "05bffb01d8376c6e9abe23c2b7927f53ef8cdb6f"
TEMPLATE = "examples/use-case-complete"
TREES = (TEMPLATE, "modules", "pipelines_src/pipelines/templates")  # what the root reads
STATEFUL = {
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_kms_key",
    "aws_sfn_state_machine",
    "aws_ecr_repository",
    "aws_sagemaker_model_package_group",
    "aws_sns_topic",
}


def _extract(commit: str, target: Path) -> None:
    archive = subprocess.run(["git", "archive", commit, *TREES], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def _upgrade_in_place(work: Path) -> None:
    """Today's files over the 0.1.0 ones, as a team bumps its versions: state and init stay."""
    root = work / TEMPLATE
    for old in [*root.glob("*.tf"), *root.glob("profiles/*")]:
        if old.name != tf.OVERRIDE_FILE:
            old.unlink()
    shutil.rmtree(work / "modules")
    shutil.rmtree(work / "pipelines_src" / "pipelines" / "templates")
    for tree in TREES:
        shutil.copytree(REPO / tree, work / tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".terraform*"))


def test_the_pinned_commit_holds_every_0_1_0_release() -> None:
    """Every module the pinned commit has is there as its 0.1.0 release; modules added later
    (data-lake-access, after the 1.0 releases) started at 0.1.0 after the pin and are not in it."""
    releases = json.loads((REPO / "modules" / "releases.json").read_text())["modules"]
    pinned = set(
        subprocess.run(
            ["git", "ls-tree", "--name-only", f"{RELEASED_0_1_0}:modules"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    first = {name: r[0]["tree"] for name, r in releases.items() if r[0]["version"] == "0.1.0" and name in pinned}
    assert len(first) >= 10, "nothing to compare: no 0.1.0 releases recorded"
    for name, tree in first.items():
        found = subprocess.run(
            ["git", "rev-parse", f"{RELEASED_0_1_0}:modules/{name}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert found.stdout.strip() == tree, f"{name} at {RELEASED_0_1_0[:7]} is not its 0.1.0 release"


def _resource_type(address: str) -> str:
    match = re.match(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*(?P<type>[a-z0-9_]+)\.", address)
    return match["type"] if match else ""


def test_upgrade_from_0_1_0_replaces_no_stateful_resource(tmp_path: Path) -> None:
    _extract(RELEASED_0_1_0, tmp_path / "work")
    path = tmp_path / "work" / TEMPLATE
    with emulator.started(tmp_path / "emulator") as info:
        (path / tf.OVERRIDE_FILE).write_text(tf.render_provider_override(info))
        root = tf.TerraformRoot(path, tf.base_env(info))
        profiles = [path / "profiles" / "local.tfvars", path / "profiles" / "teardown.tfvars"]
        root.apply(profiles[:1])
        try:
            stateful_before = [a for a in root.state_addresses() if _resource_type(a) in STATEFUL]
            assert len(stateful_before) >= 8, f"nothing to compare: {stateful_before}"
            _upgrade_in_place(tmp_path / "work")  # the profiles are today's from here on
            plan = root.plan_json(profiles[:1])
            changes = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
            assert changes, "the upgrade plans nothing: the comparison did not happen"
            lost = [
                f"{c['address']} ({'/'.join(c['change']['actions'])})"
                for c in changes
                if c["type"] in STATEFUL and "delete" in c["change"]["actions"]
            ]
            assert not lost, f"the upgrade replaces or destroys stateful resources: {lost}"
        finally:  # the teardown profile lifts the metadata table's deletion protection first
            root.apply(profiles)
            root.destroy(profiles)
