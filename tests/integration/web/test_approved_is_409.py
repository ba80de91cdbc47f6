"""A web edit of an approved plan version answers 409, like the API, and changes nothing: the grid still says why."""

from __future__ import annotations

from datetime import date

import pandas as pd
from fastapi import FastAPI

from opensop.cycle.permissions import Role
from opensop.cycle.status import PlanStatus
from opensop.services import cycles, overrides, plans
from opensop.services.auth import Principal
from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from opensop.web import mount
from opensop.web.core import SESSION_COOKIE
from opensop.web.i18n import LANGUAGE_COOKIE
from tests.integration.api.conftest import TestClient

NOVEMBER = date(2024, 11, 1)


def test_saving_the_grid_of_an_approved_version_is_a_409(
    web_workspace: Workspace, logins: dict[str, DemoLogin]
) -> None:
    setup = Principal.system("setup")
    cycle = cycles.list_cycles(web_workspace, actor=setup)[0]
    rows = pd.DataFrame(
        {
            "measure": ["consensus_demand", "statistical_demand"],
            "item_id": ["G1", "G1"],
            "region_id": ["FR", "FR"],
            "period": [NOVEMBER, NOVEMBER],
            "value": [100.0, 100.0],
        }
    )
    version = plans.create_version(web_workspace, actor=setup, cycle_id=cycle.id, measures=rows)
    plans.transition(web_workspace, actor=Principal("p", Role.DEMAND_PLANNER), version_id=version.id,
                     target=PlanStatus.SUBMITTED)  # fmt: skip
    plans.transition(web_workspace, actor=Principal("e", Role.EXECUTIVE), version_id=version.id,
                     target=PlanStatus.APPROVED, reason="approved")  # fmt: skip
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        login = logins["demand_planner"]
        signed = client.post(
            "/app/login", data={"username": login.username, "password": login.password}, follow_redirects=False
        )
        client.cookies.update({SESSION_COOKIE: signed.cookies[SESSION_COOKIE], LANGUAGE_COOKIE: "en"})
        form = {"version": str(version.id), "k0": "GRILL", "p0": NOVEMBER.isoformat(), "c0_0": "5", "o0_0": "100"}
        saved = client.post("/app/demand/save", data=form)
    assert saved.status_code == 409
    assert "approved plan version cannot be modified" in saved.text
    assert overrides.list_overrides(web_workspace, actor=setup, plan_version_id=version.id) == []
