"""Hinge metrics: running means of the hinge losses."""
from kerasish import losses as losses_module
from kerasish.metrics.base import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Running mean of ``hinge``."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses_module.hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """Running mean of ``squared_hinge``."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses_module.squared_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """Running mean of ``categorical_hinge``."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses_module.categorical_hinge, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
