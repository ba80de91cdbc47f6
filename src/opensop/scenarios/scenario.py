"""A scenario: a base, named levers applied in order, and config overrides; stored as JSON by the application.

`config_overrides` are (dotted key, value) pairs over `PlanningConfig.to_dict()`, e.g.
("supply.allow_backlog", False) or ("horizon_months", 12). The content hash is the SHA-256 of the canonical JSON
(sorted keys), so two scenarios with the same recipe have the same hash whatever their construction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from opensop.config import PlanningConfig
from opensop.errors import InvalidRequest
from opensop.scenarios.levers import Lever, ScenarioInputs, lever_from_dict, no_investments
from opensop.schema import PlanningData


@dataclass(frozen=True)
class Scenario:
    name: str
    levers: tuple[Lever, ...] = ()
    config_overrides: tuple[tuple[str, Any], ...] = ()
    description: str = ""
    base: str = "base"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "base": self.base,
            "levers": [lever.to_dict() for lever in self.levers],
            "config_overrides": dict(self.config_overrides),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Scenario:
        unknown = set(raw) - {"name", "description", "base", "levers", "config_overrides"}
        if unknown:
            raise InvalidRequest(f"unknown scenario setting(s) {sorted(unknown)}")
        overrides = raw.get("config_overrides", {})
        return cls(
            name=str(raw["name"]),
            description=str(raw.get("description", "")),
            base=str(raw.get("base", "base")),
            levers=tuple(lever_from_dict(item) for item in raw.get("levers", [])),
            config_overrides=tuple(sorted(overrides.items())),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        return cls.from_dict(json.loads(text))

    def content_hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def configure(self, config: PlanningConfig) -> PlanningConfig:
        """`config` with the overrides applied (validated by PlanningConfig.from_dict)."""
        if not self.config_overrides:
            return config
        raw = config.to_dict()
        for key, value in self.config_overrides:
            node = raw
            *path, last = key.split(".")
            for part in path:
                if not isinstance(node.get(part), dict):
                    raise InvalidRequest(f"unknown planning setting {key!r} in scenario {self.name!r}")
                node = node[part]
            if last not in node:
                raise InvalidRequest(f"unknown planning setting {key!r} in scenario {self.name!r}")
            node[last] = value
        return PlanningConfig.from_dict(raw)

    def prepare(self, data: PlanningData, demand: pd.DataFrame, config: PlanningConfig) -> ScenarioInputs:
        """The inputs this scenario plans from: overrides, then each lever in order, on copies."""
        inputs = ScenarioInputs(data, demand.copy(), self.configure(config), no_investments())
        for lever in self.levers:
            inputs = lever.apply(inputs)
        return replace(inputs, demand=inputs.demand.reset_index(drop=True))
