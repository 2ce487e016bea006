"""Faults of the local runtime: a killed runner leaves no job behind, a dead emulator is one line,
an emulator killed mid-apply converges after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from pipelines_src import cli
from pipelines_src.local import emulator

RUNNER = """
import os, sys, threading
from pathlib import Path
from pipelines_src.local import jobs
base, pid_file = Path(sys.argv[1]), sys.argv[2]
job = [sys.executable, "-c", f"import os, time; open({pid_file!r}, 'w').write(str(os.getpid())); time.sleep(120)"]
# A worker thread starts the job, as the emulator's job pool does.
worker = threading.Thread(target=jobs._run, args=(job, base, dict(os.environ), base / "job.log"))
worker.start()
worker.join()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def _wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux's")
def test_a_killed_job_runner_leaves_no_job_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "job.pid"
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(tmp_path), str(pid_file)])
    try:
        assert _wait_for(lambda: pid_file.exists() and pid_file.read_text(), 30), "the job never started"
        job = int(pid_file.read_text())
        assert _alive(job)
        os.kill(runner.pid, signal.SIGKILL)  # the emulator crashing, or `kill -9`
        runner.wait(10)
        assert _wait_for(lambda: not _alive(job), 10), f"job process {job} outlived its runner"
    finally:
        runner.kill()


def test_a_stale_emulator_state_is_forgotten(tmp_path: Path) -> None:
    info = emulator.start(tmp_path)
    os.kill(info.pid, signal.SIGKILL)
    assert _wait_for(lambda: not _alive(info.pid), 10)
    assert emulator.running(tmp_path) is None
    assert not (tmp_path / emulator.STATE_FILE).exists(), "a dead PID stays recorded"
    restarted = emulator.start(tmp_path)
    try:
        assert restarted.pid != info.pid and emulator.healthy(restarted)
    finally:
        emulator.stop(tmp_path)


def test_an_emulator_gone_mid_command_is_one_line(tmp_path: Path) -> None:
    info = emulator.start(tmp_path)
    emulator.stop(tmp_path)
    s3 = boto3.client(
        "s3",
        endpoint_url=info.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=info.ca_file,
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(EndpointConnectionError) as raised:
        s3.list_buckets()
    message = cli._unreachable(raised.value)
    assert "\n" not in message and info.endpoint in message and "mlops emulator up" in message, message


def _emulator_processes(state_dir: Path) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-af", f"emulator serve --state-dir {state_dir}"], capture_output=True, text=True, check=False
    )
    return [line for line in found.stdout.splitlines() if "pgrep" not in line]


def test_an_emulator_killed_during_an_apply_converges_after_restart(tmp_path: Path) -> None:
    """The emulator SIGKILLed while Terraform applies: the apply fails naming the refused
    connection; a restarted emulator is a new, empty AWS, so staging the root again sets the dead
    one's state aside (tf.stage) and the re-apply converges to an empty plan with no manual step;
    no process of the dead emulator is left."""
    from pipelines_src.local import terraform as tf
    from tests.conftest import REPO

    example = REPO / "examples" / "secure-storage"
    info = emulator.start(tmp_path / "emulator")
    root = tf.TerraformRoot(tf.stage(example, tmp_path / "work", info), tf.base_env(info))
    root.init()
    command = ["terraform", f"-chdir={root.path}", "apply", "-auto-approve", "-no-color", "-input=false"]
    apply = subprocess.Popen(command, env=dict(root.env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not root.state_addresses() and time.monotonic() < deadline:  # mid-apply: some resources made
            time.sleep(1)
        os.kill(info.pid, signal.SIGKILL)
        output, _ = apply.communicate(timeout=600)
        assert apply.returncode != 0 and "connection refused" in output, output[-2000:]
        assert not _alive(info.pid)
        restarted = emulator.start(tmp_path / "emulator")
        assert restarted.pid != info.pid
        again = tf.TerraformRoot(tf.stage(example, tmp_path / "work", restarted), tf.base_env(restarted))
        again.apply()
        assert again.plan_changes() == 0, "a re-apply after the restart must converge"
    finally:
        apply.kill()
        emulator.stop(tmp_path / "emulator")
    assert _emulator_processes(tmp_path / "emulator") == []
