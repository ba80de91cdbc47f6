"""A scenario: a base, named levers applied in order, and config overrides; stored as JSON by the application.

`config_overrides` are (dotted key, value) pairs over `PlanningConfig.to_dict()`, e.g.
("supply.allow_backlog", False) or ("horizon_months", 12). The content hash is the SHA-256 of the canonical JSON
(sorted keys), so two scenarios with the same recipe have the same hash whatever their construction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from opensop.config import PlanningConfig
from opensop.errors import InvalidRequest
from opensop.scenarios.levers import Lever, ScenarioInputs, is_decision, lever_from_dict, no_investments
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
        """The scenario a JSON document describes; anything malformed is refused here, naming the lever."""
        unknown = sorted(set(raw) - {"name", "description", "base", "levers", "config_overrides"})
        if unknown:
            raise InvalidRequest(
                f"unknown scenario setting(s) {', '.join(unknown)}",
                hint="a scenario has name, description, base, levers, config_overrides",
            )
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a scenario needs a name")
        overrides = raw.get("config_overrides") or {}
        levers = raw.get("levers") or []
        if not isinstance(overrides, dict) or not isinstance(levers, list):
            raise InvalidRequest(
                f"scenario {name!r}: levers are a list and config_overrides an object",
                hint='e.g. {"levers": [{"kind": "demand_change", "pct": 10}], "config_overrides": {}}',
            )
        return cls(
            name=name.strip(),
            description=str(raw.get("description") or ""),
            base=str(raw.get("base") or "base"),
            levers=tuple(lever_from_dict(item, position=index + 1) for index, item in enumerate(levers)),
            config_overrides=tuple(sorted(overrides.items())),
        )

    @property
    def is_response(self) -> bool:
        """A response is what the company decides (any decision lever); an assumption only assumes."""
        return any(is_decision(lever) for lever in self.levers)

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


def chained_levers(scenario: Scenario, known: Mapping[str, Scenario]) -> tuple[Lever, ...]:
    """The levers a scenario is planned with: those of the scenario its `base` names (recursively, when `known`
    holds it), then its own — a response is planned under the assumption it answers."""
    chain: list[Scenario] = [scenario]
    while chain[-1].base in known and chain[-1].base != chain[-1].name:
        parent = known[chain[-1].base]
        if parent in chain:
            raise InvalidRequest(f"scenario {scenario.name!r} answers itself through {parent.name!r}")
        chain.append(parent)
    return tuple(lever for step in reversed(chain) for lever in step.levers)


def resolved(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """Each scenario with the levers it is planned with (`chained_levers` over the batch)."""
    known = {s.name: s for s in scenarios}
    return [replace(s, levers=chained_levers(s, known)) for s in scenarios]
