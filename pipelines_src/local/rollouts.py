"""In the emulator process: an endpoint update as SageMaker's deployment guardrails run it.

The endpoint's DeploymentConfig (kept from CreateEndpoint or the UpdateEndpoint that started
the update) decides the steps once the new fleet answers /ping: `ALL_AT_ONCE` shifts every
request to it and waits `WaitIntervalInSeconds`; `CANARY` sends `CanarySize` percent of the
requests to it, waits, then the rest; `LINEAR` adds `LinearStepSize` percent every wait. The old
fleet is kept `TerminationWaitInSeconds` after the last shift. Throughout, the alarms of its
`AutoRollbackConfiguration` are evaluated every second (pipelines_src/local/alarms.py); one that
goes to ALARM after the update started (one already in ALARM does not count) rolls the update
back: every request goes to the old fleet again and FailureReason names the alarm.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TICK_S = 1.0


@dataclass(frozen=True)
class Policy:
    strategy: str  # ALL_AT_ONCE | CANARY | LINEAR
    step_percent: float
    wait_s: float
    bake_s: float
    alarms: tuple[str, ...]

    @classmethod
    def of(cls, deployment_config: dict[str, Any] | None) -> Policy | None:
        """The blue/green policy of a DeploymentConfig; None updates at once (no policy, or a
        rolling update, which the local runtime does not run)."""
        blue_green = (deployment_config or {}).get("BlueGreenUpdatePolicy")
        if not blue_green:
            return None
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        strategy = routing.get("Type", "ALL_AT_ONCE")
        size = routing.get("CanarySize") if strategy == "CANARY" else routing.get("LinearStepSize")
        alarms = ((deployment_config or {}).get("AutoRollbackConfiguration") or {}).get("Alarms") or []
        return cls(
            strategy=strategy,
            step_percent=float((size or {}).get("Value", 100)),
            wait_s=float(routing.get("WaitIntervalInSeconds", 0)),
            bake_s=float(blue_green.get("TerminationWaitInSeconds", 0)),
            alarms=tuple(a["AlarmName"] for a in alarms),
        )

    def steps(self) -> list[tuple[float, float]]:
        """(share of requests on the new fleet, seconds watched before the next step)."""
        if self.strategy == "CANARY":
            return [(self.step_percent / 100, self.wait_s), (1.0, self.bake_s)]
        if self.strategy == "LINEAR":
            shares, share = [], self.step_percent
            while share < 100:
                shares.append((share / 100, self.wait_s))
                share += self.step_percent
            return [*shares, (1.0, self.bake_s)]
        return [(1.0, self.wait_s + self.bake_s)]

    def run(
        self, shift: Callable[[float], None], firing: Callable[[], str | None], stopped: Callable[[], bool]
    ) -> str | None:
        """Shifts traffic step by step; the reason to roll back, or None once it is done."""
        for share, seconds in self.steps():
            shift(share)
            reason = _watch(seconds, firing, stopped)
            if reason is not None:
                return reason
        return None


def _watch(seconds: float, firing: Callable[[], str | None], stopped: Callable[[], bool]) -> str | None:
    deadline = time.monotonic() + seconds
    while True:
        if stopped():
            return "the endpoint was deleted during the update"
        reason = firing()
        if reason is not None:
            return reason
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(TICK_S, left))
