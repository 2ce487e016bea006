"""The use case's feature engineering: the registry's transformer plus its own features.
The step image sets MLOPS_TRANSFORMER=steps.features:Transformer (Dockerfile)."""

from __future__ import annotations

import pandas as pd

from pipelines_src.contracts import DatasetSchema
from pipelines_src.steps.feature_engineering import DefaultTransformer


class Transformer(DefaultTransformer):
    """Adds the power proxy torque x speed, a classic predictor of tool failure."""

    EXTRA = ("power_proxy",)

    def fit(self, frame: pd.DataFrame, schema: DatasetSchema) -> Transformer:
        super().fit(frame, schema)
        self.base_names = list(self.feature_names)
        self.feature_names = [*self.base_names, *self.EXTRA]
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        names, self.feature_names = self.feature_names, self.base_names
        try:
            base = super().transform(frame)
        finally:
            self.feature_names = names
        power = frame["torque_nm"].astype(float) * frame["rotational_speed_rpm"].astype(float) / 1e4
        return base.assign(power_proxy=power.fillna(power.median()).to_numpy())[self.feature_names]
