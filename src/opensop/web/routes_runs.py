"""The run panel: a page polls the plan run it waits for (HTMX) and shows its progress, its error or its end.

When the run ends, a page that asked for it (`reload=1`: the first draft, "Run the plan", a scenario) reloads
itself to show the stored result; the demand grid does not (the user may be typing) and offers a link instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from opensop.services import runs
from opensop.web.core import PREFIX, WebRoute, page_of, render
from opensop.web.planning import run_panel

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_status(request: Request, run_id: int, reload: bool = False) -> HTMLResponse:
    page = page_of(request)
    panel = run_panel(runs.get_run(page.workspace, actor=page.user, run_id=run_id), reload=reload)
    response = render(page, "_run.html", panel=panel)
    if reload and not panel.active and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"
    return response
