"""Seeded sample data: predictive maintenance of machining stations.

Each row is one production cycle. `failure` (the label) follows a known signal: tool wear,
mechanical power (torque x rpm) and the process-air temperature gap raise the risk. `shift` is
the sensitive attribute bias reports are computed for; it carries a small, deliberate effect so
that bias metrics have something to show. `drift=True` shifts the sensor distributions the way
a new supplier's tooling would, for the monitoring demo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines_src.contracts import Column, DatasetSchema

SCHEMA = DatasetSchema(
    columns=(
        Column("cycle_id", "int"),
        Column("machine_type", "category"),
        Column("shift", "category"),
        Column("air_temperature_k", "float"),
        Column("process_temperature_k", "float"),
        Column("rotational_speed_rpm", "float"),
        Column("torque_nm", "float"),
        Column("tool_wear_min", "float"),
        Column("vibration_mm_s", "float", nullable=True),
        Column("coolant_pressure_bar", "float"),
        Column("spindle_load_pct", "float"),
        Column("failure", "int"),
    ),
    target="failure",
    id_column="cycle_id",
    facet="shift",
)


def generate(rows: int, seed: int = 7, drift: bool = False) -> pd.DataFrame:
    """A data frame following SCHEMA, with a learnable failure signal."""
    rng = np.random.default_rng(seed)
    machine_type = rng.choice(["L", "M", "H"], size=rows, p=[0.5, 0.3, 0.2])
    shift = rng.choice(["day", "night"], size=rows, p=[0.6, 0.4])
    air = rng.normal(300.0, 2.0, rows)
    process = air + rng.normal(10.0, 1.0, rows)
    rpm = rng.normal(1540.0, 180.0, rows)
    torque = np.clip(rng.normal(40.0, 10.0, rows), 3.0, None)
    wear = rng.uniform(0.0, 250.0, rows)
    vibration = rng.gamma(2.0, 1.2, rows)
    coolant = rng.normal(6.0, 0.5, rows)
    if drift:
        torque = torque * 1.25 + 4.0
        wear = wear * 1.3
        vibration = vibration * 1.6
    load = np.clip(torque / 0.8 + rng.normal(0, 5, rows), 0, 100)  # follows torque, drifted or not
    power_kw = torque * rpm * 2 * np.pi / 60 / 1000
    quality = {"L": 0.3, "M": 0.0, "H": -0.3}
    logit = (
        -3.4
        + 0.018 * (wear - 120)
        + 0.55 * (power_kw - 6.3)
        + 0.45 * (8.6 - (process - air))
        + 0.25 * (vibration - 2.4)
        + np.vectorize(quality.get)(machine_type)
        + np.where(shift == "night", 0.35, 0.0)
    )
    failure = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    vibration_with_gaps = np.where(rng.random(rows) < 0.01, np.nan, vibration)
    return pd.DataFrame(
        {
            "cycle_id": np.arange(1, rows + 1, dtype=np.int64),
            "machine_type": machine_type,
            "shift": shift,
            "air_temperature_k": air.round(2),
            "process_temperature_k": process.round(2),
            "rotational_speed_rpm": rpm.round(1),
            "torque_nm": torque.round(2),
            "tool_wear_min": wear.round(1),
            "vibration_mm_s": vibration_with_gaps.round(3),
            "coolant_pressure_bar": coolant.round(3),
            "spindle_load_pct": load.round(2),
            "failure": failure,
        }
    )


def sample_file_name(drift: bool = False) -> str:
    return "cycles-drifted.csv" if drift else "cycles.csv"


def write_sample(directory: Path, rows: int = 4000, seed: int = 7, drift: bool = False) -> Path:
    """Write a sample CSV and the schema beside it; returns the CSV path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / sample_file_name(drift)
    generate(rows, seed, drift).to_csv(path, index=False)
    (directory / "schema.json").write_text(SCHEMA.to_json())
    return path
