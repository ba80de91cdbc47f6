"""Session, cycle home, data quality, audit and decision log pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opensop.cycle.status import StepStatus
from opensop.cycle.steps import StepName
from opensop.errors import InvalidRequest, NotAuthenticated, OpenSOPError, TooManyAttempts
from opensop.services import audit_log, auth, collaboration, cycles, uploads
from opensop.web.core import (
    PREFIX,
    SESSION_COOKIE,
    WebRoute,
    language_of,
    page_of,
    redirect,
    render,
    workspace_of,
)
from opensop.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from opensop.web.planning import current_cycle

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only our own pages: an open redirect through ?next= would help phishing. The path is judged as a browser
    reads it (percent-decoded once) and refused whole, never repaired: anything but a plain path under /app/ (a
    scheme or host, a '.' or '..' segment, '//', a backslash, a control character) gives /app/."""
    home = f"{PREFIX}/"
    parts = urlsplit(target)
    path = unquote(parts.path)
    plain = (
        not parts.scheme
        and not parts.netloc
        and path.startswith(home)
        and "//" not in path
        and "\\" not in path
        and not {".", ".."} & set(path.split("/"))
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target + path)
    )
    return target if plain else home


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> HTMLResponse:
    return render(None, "login.html", request=request, next=_safe_next(next), error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    try:
        issued = auth.login(workspace_of(request), username=username, password=password, client=_client(request))
    except OpenSOPError as error:
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return render(None, "login.html", status=status, request=request, next=_safe_next(next), error=error.message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int((issued.expires_at - datetime.now(UTC)).total_seconds()),
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """Revokes the session's token in the database (a copied cookie is dead too); an expired session just leaves."""
    try:
        page = page_of(request)
    except NotAuthenticated:
        page = None
    if page is not None:
        auth.logout(page.workspace, actor=page.user, token=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/language")
def set_language(
    request: Request, language: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""
) -> RedirectResponse:
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language if language in LANGUAGES else language_of(request),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    page = page_of(request)
    cycle = current_cycle(page)
    view = cycles.get_cycle(page.workspace, actor=page.user, cycle_id=cycle.id) if cycle else None
    steps = view.steps if view else []
    today = datetime.now(UTC).date()
    rows = []
    first_open = next((s for s in steps if s.status != StepStatus.CLOSED), None)
    needs = cycles.step_needs(page.workspace, actor=page.user, cycle_id=cycle.id) if cycle else {}
    for step in steps:
        blocking = ""
        if step.status == StepStatus.PENDING and first_open is not None:
            blocking = f"{page.t('waiting_for')} {first_open.step}"
        elif step.status == StepStatus.OPEN:
            blocking = needs.get(step.step, "")
        rows.append(
            {
                "step": step,
                "blocking": blocking,
                "overdue": step.status != StepStatus.CLOSED and step.due_date < today,
                "mine": step.status == StepStatus.OPEN and step.owner_role == page.user.role.value,
            }
        )
    suggestion = None
    if page.can("open_cycle"):
        suggestion = cycles.preview_opening(page.workspace, actor=page.user)
    return render(
        page,
        "home.html",
        cycle=cycle,
        rows=rows,
        tasks=[r for r in rows if r["mine"]],
        suggestion=suggestion,
    )


def _month_of(period: str) -> date | None:
    try:
        return date.fromisoformat(f"{period.strip()}-01") if period.strip() else None
    except ValueError as error:
        raise InvalidRequest(f"{period!r} is not a month", hint="write it as YYYY-MM, e.g. 2027-01") from error


@router.get("/cycle/open", response_class=HTMLResponse)
def confirm_open_cycle(request: Request, period: str = "") -> HTMLResponse:
    """What opening the cycle would do (its horizon, the cycle it closes and that cycle's unfinished steps, what
    the data says), with the button that does it: a cycle is never opened by a single click."""
    page = page_of(request)
    preview = cycles.preview_opening(page.workspace, actor=page.user, period=_month_of(period))
    return render(page, "cycle_open.html", preview=preview)


@router.post("/cycle/open", response_model=None)
def open_cycle(
    request: Request,
    period: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    page = page_of(request)
    month = _month_of(period)
    if confirm != "yes":
        return redirect(f"/cycle/open?period={month:%Y-%m}" if month else "/cycle/open")
    cycles.open_cycle(page.workspace, actor=page.user, period=month, reason=reason)
    return redirect("/")


@router.post("/cycle/{cycle_id}/cancel")
def cancel_cycle(request: Request, cycle_id: int, reason: Annotated[str, Form()] = "") -> RedirectResponse:
    page = page_of(request)
    cycles.cancel_cycle(page.workspace, actor=page.user, cycle_id=cycle_id, reason=reason)
    return redirect("/")


def _step_named(step: str) -> StepName:
    try:
        return StepName(step)
    except ValueError as error:
        raise InvalidRequest(f"there is no step named {step!r}") from error


@router.post("/cycle/{cycle_id}/close")
def close_step(
    request: Request, cycle_id: int, step: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    page = page_of(request)
    cycles.close_step(page.workspace, actor=page.user, cycle_id=cycle_id, step=_step_named(step), reason=reason)
    return redirect("/")


@router.post("/cycle/{cycle_id}/reopen")
def reopen_step(
    request: Request, cycle_id: int, step: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    page = page_of(request)
    cycles.reopen_step(page.workspace, actor=page.user, cycle_id=cycle_id, step=_step_named(step), reason=reason)
    return redirect("/")


@router.get("/data", response_class=HTMLResponse)
def data_quality(request: Request, load: int | None = None) -> HTMLResponse:
    page = page_of(request)
    loads = uploads.list_loads(page.workspace, actor=page.user)
    chosen = load if load is not None else (loads[0].id if loads else None)
    report = uploads.load_report(page.workspace, actor=page.user, load_id=chosen)[1] if chosen else None
    return render(page, "data.html", loads=loads, chosen=chosen, report=report, outcome=None)


@router.post("/data/import", response_class=HTMLResponse)
def import_data(request: Request, file: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """A plain `def` (run in a worker thread): an import never blocks the other users' pages."""
    page = page_of(request)
    if file is None or not file.filename:
        raise InvalidRequest("choose a file to import")
    outcome = uploads.import_upload(
        page.workspace, actor=page.user, filename=file.filename, stream=file.file, size=file.size
    )
    loads = uploads.list_loads(page.workspace, actor=page.user)
    return render(
        page, "data.html", loads=loads, chosen=outcome.load_id, report=outcome.report.to_dict(), outcome=outcome
    )


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, user: str = "", action: str = "", entity: str = "") -> HTMLResponse:
    page = page_of(request)
    events = audit_log.query_audit(
        page.workspace,
        actor=page.user,
        user=user or None,
        action=action or None,
        entity=entity or None,
        newest_first=True,
        limit=300,
    )
    cycle = current_cycle(page)
    decisions = collaboration.list_decisions(page.workspace, actor=page.user, cycle_id=cycle.id) if cycle else []
    return render(
        page,
        "audit.html",
        events=events,
        decisions=decisions,
        cycle=cycle,
        filters={"user": user, "action": action, "entity": entity},
    )


@router.post("/decisions")
def add_decision(
    request: Request,
    decision: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> RedirectResponse:
    page = page_of(request)
    cycle = current_cycle(page)
    if cycle is None:
        raise InvalidRequest("open a cycle first")
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError as error:
        raise InvalidRequest(f"{due!r} is not a date", hint="write it as YYYY-MM-DD") from error
    collaboration.add_decision(
        page.workspace,
        actor=page.user,
        cycle_id=cycle.id,
        decision=decision,
        owner=owner or page.user.username,
        due_date=due_date,
    )
    return redirect("/audit")
