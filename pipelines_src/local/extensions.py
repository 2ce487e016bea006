"""Fixes to moto, installed in the emulator process, where it differs from AWS in ways the
registry's modules hit. Each fix is small and named after the AWS behaviour it restores."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_ROTATION_PERIOD_DAYS = 365  # AWS's default when EnableKeyRotation has no period


def _kms_rotation_period() -> None:
    """Keep `RotationPeriodInDays` of EnableKeyRotation and return it from GetKeyRotationStatus
    (moto drops it, so every plan after apply shows a change)."""
    from moto.kms.responses import KmsResponse

    original_enable = KmsResponse.enable_key_rotation
    original_status = KmsResponse.get_key_rotation_status

    def enable_key_rotation(self: Any) -> str:
        result: str = original_enable(self)
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        key.rotation_period_in_days = self._get_param("RotationPeriodInDays") or DEFAULT_ROTATION_PERIOD_DAYS
        return result

    def get_key_rotation_status(self: Any) -> str:
        status = json.loads(original_status(self))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        if status.get("KeyRotationEnabled"):
            status["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", DEFAULT_ROTATION_PERIOD_DAYS)
            status["KeyId"] = key.id
        return json.dumps(status)

    KmsResponse.enable_key_rotation = enable_key_rotation  # type: ignore[method-assign]  # deliberate patch
    KmsResponse.get_key_rotation_status = get_key_rotation_status  # type: ignore[method-assign]


def install_all() -> None:
    _kms_rotation_period()
