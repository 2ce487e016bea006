"""The emulator under the load of a real apply: Terraform's default parallelism (10) on a root of
security group rules and IAM roles, applied and destroyed twice, while another client hammers
the emulator without retries. Every response must arrive (no lost answer, so no SDK retry that
AWS would answer "Duplicate") and each apply must leave exactly what it declares."""

from __future__ import annotations

import json
import ssl
import threading
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from botocore.config import Config

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.hostile_clients import timed_get

ROOT = Path(__file__).parent / "roots" / "under-load"
LOOPS = 2


def _hammer(info: emulator.Emulator, stop: threading.Event, seen: Counter[str]) -> None:
    """Reads on three services, one after another, with no SDK retry: an answer lost counts."""
    import boto3

    settings = info.settings() | {"config": Config(retries={"max_attempts": 1, "mode": "standard"})}
    sts, ec2, iam = (boto3.client(name, **settings) for name in ("sts", "ec2", "iam"))
    calls: list[Any] = [
        sts.get_caller_identity,
        ec2.describe_security_groups,
        iam.list_roles,
        lambda: timed_get(info.endpoint + emulator.HEALTH_PATH, info.ca_file),
    ]
    while not stop.is_set():
        for call in calls:
            seen["sent"] += 1
            try:
                call()
                seen["answered"] += 1
            except Exception as exc:  # counted and reported by the test, never swallowed
                seen[f"error: {type(exc).__name__}: {exc}"[:200]] += 1


def test_parallel_applies_beside_a_hammering_client_lose_and_duplicate_nothing(
    local_emulator: emulator.Emulator, tf_work: Path
) -> None:
    seen: Counter[str] = Counter()
    stop = threading.Event()
    hammer = threading.Thread(target=_hammer, args=(local_emulator, stop, seen), daemon=True)
    hammer.start()
    try:
        for loop in range(LOOPS):
            root = tf.TerraformRoot(
                tf.stage(ROOT, tf_work / f"under-load-{loop}", local_emulator), tf.base_env(local_emulator)
            )
            variables = {"name": f"under-load-{loop}"}
            root.apply(variables=variables)
            assert root.plan_changes(variables=variables) == 0, "the second plan of the applied root has changes"
            ec2 = local_emulator.client("ec2")
            groups = root.outputs()["security_group_ids"]
            rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": groups}])
            ingress = [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
            assert len(ingress) == root.outputs()["rule_count"] == 12, "a rule lost or made twice"
            root.destroy(variables=variables)
            assert not root.state_addresses()
    finally:
        stop.set()
        hammer.join(timeout=30)
    with urllib.request.urlopen(
        local_emulator.endpoint + emulator.HEALTH_PATH,
        context=ssl.create_default_context(cafile=local_emulator.ca_file),
    ) as answer:
        print(f"moto's lock since the emulator started: {json.loads(answer.read())['lock']}")
    errors = {k: v for k, v in seen.items() if k.startswith("error")}
    assert seen["sent"] > 50, f"the hammering client barely ran: {dict(seen)}"
    assert not errors and seen["answered"] == seen["sent"], f"lost answers beside the applies: {errors}"
