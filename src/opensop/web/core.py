"""What every page shares: the Jinja2 environment, the cookie session, the language and the error pages.

`WebRoute` wraps each page handler: an OpenSOPError (or a malformed query) becomes an error page with the
planner-facing message and the right status, an expired session becomes a redirect to the login page. No page
ever shows a traceback for bad input; anything else is a bug and propagates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from opensop.cycle.permissions import Action, Role, is_allowed
from opensop.errors import NotAuthenticated, NotAuthorized, OpenSOPError
from opensop.ingest.numbers import DECIMAL_COMMA, DECIMAL_POINT, read_number
from opensop.services import auth
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.web.i18n import LANGUAGE_COOKIE, choose_language, translate

PREFIX = "/app"
SESSION_COOKIE = "opensop_session"
TEMPLATES = resources.files("opensop.web") / "templates"


def _number(value: Any, digits: int = 0) -> str:
    """Thin-space thousands, French style in both languages: planners read 12 345 faster than 12345.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}".replace(",", "\u202f")


def _percent(value: Any) -> str:
    return "–" if value is None or math.isnan(float(value)) else f"{float(value) * 100:.1f} %"


def _month(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, date | datetime) else str(value)[:7]


def build_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(("html", "xml"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _number
    environment.filters["pct"] = _percent
    environment.filters["month"] = _month
    return environment


ENVIRONMENT = build_environment()


@dataclass(frozen=True)
class Page:
    """Who is looking and in which language: what every template needs besides its own data."""

    request: Request
    workspace: Workspace
    user: Principal
    language: str

    def t(self, key: str, **values: object) -> str:
        return translate(self.language, key, **values)

    def number(self, value: Any, digits: int = 0) -> str:
        """A number as the page's templates write it (`num` filter)."""
        return _number(value, digits)

    def percent(self, value: Any) -> str:
        return _percent(value)

    def can(self, action: str) -> bool:
        return is_allowed(self.user.role, Action(action))


def workspace_of(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


def language_of(request: Request) -> str:
    return choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


def page_of(request: Request) -> Page:
    """The signed-in user from the session cookie; NotAuthenticated (-> login page) without a valid one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("please log in")
    workspace = workspace_of(request)
    return Page(request, workspace, auth.authenticate(workspace, token), language_of(request))


def render(
    page: Page | None, template: str, *, status: int = 200, request: Request | None = None, **data: Any
) -> HTMLResponse:
    req = page.request if page is not None else request
    if req is None:
        raise ValueError("render needs a page or a request")
    language = page.language if page is not None else language_of(req)
    html = ENVIRONMENT.get_template(template).render(
        page=page,
        user=page.user if page is not None else None,
        t=lambda key, **values: translate(language, key, **values),
        lang=language,
        prefix=PREFIX,
        path=req.url.path,
        roles=list(Role),
        **data,
    )
    return HTMLResponse(html, status_code=status)


def error_page(
    request: Request, *, message: str, hint: str | None, status: int, error: OpenSOPError | None = None
) -> HTMLResponse:
    """The error in the page's language when the catalogue has its key (`error_<key>`), else its English text."""
    page: Page | None
    try:
        page = page_of(request)
    except OpenSOPError:
        page = None
    if error is not None and error.key:
        language = page.language if page is not None else language_of(request)
        key = f"error_{error.key}"
        translated = translate(language, key, **error.params)
        if translated != key:
            message = translated
            hinted = translate(language, f"{key}_hint", **error.params)
            hint = hinted if hinted != f"{key}_hint" else hint
    return render(page, "error.html", status=status, request=request, message=message, hint=hint)


class WebRoute(APIRoute):
    """Maps user errors to pages once, for every web route, and times each page (Server-Timing header)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            try:
                refuse_cross_site(request)
                response = await handler(request)
            except NotAuthenticated:
                # Back to this page (query included) after logging in; never to a form's address: a GET there is a 405.
                back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                target = f"?{urlencode({'next': back})}" if request.method == "GET" else ""
                return RedirectResponse(f"{PREFIX}/login{target}", status_code=303)
            except OpenSOPError as error:
                response = error_page(
                    request, message=error.message, hint=error.hint, status=error.http_status, error=error
                )
                retry_after = getattr(error, "retry_after", None)
                if retry_after is not None:
                    response.headers["Retry-After"] = str(retry_after)
            except RequestValidationError as error:
                fields = ", ".join(str(e.get("loc", ("?",))[-1]) for e in error.errors())
                response = error_page(
                    request, message=f"invalid value for: {fields}", hint="check the address or the form", status=400
                )
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response

        return handle


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def refuse_cross_site(request: Request) -> None:
    """A form posted from another site is refused before it acts (the session cookie would otherwise carry it: a
    page elsewhere could open a far-future cycle in a planner's name). Browsers send `Origin` on every POST and
    `Sec-Fetch-Site` with it; a request naming another origin (`null` included), or called cross-site by the
    browser, is refused; without Origin, a Referer from another origin is too. Own origin: the scheme and Host the
    request came with (behind a proxy: X-Forwarded-Proto, as uvicorn applies it, and the original Host)."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    referer = request.headers.get("referer")
    own = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    if (
        (origin is not None and origin != own)
        or request.headers.get("sec-fetch-site") == "cross-site"
        or (origin is None and referer is not None and _origin_of(referer) != own)
    ):
        raise NotAuthorized(
            "this form was sent from another site and was refused",
            hint="open OpenSOP's own page and send the form from there",
        )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}{path}", status_code=303)


DECIMAL_MARK = {"fr": DECIMAL_COMMA, "en": DECIMAL_POINT}


def parse_number(raw: str, language: str) -> float:
    """A number typed on a page, read by the page's language: '1 234,5' on a French page, '1,234.5' on an English
    one. What the language cannot read is refused by name (NumberProblem, a ValueError: `ambiguous_number` for
    '1.234' on a French page, `number_locale` for '12,5' on an English one), never misread: the same rules as
    imported files (docs/data-dictionary.md, "How cells are read")."""
    text = raw.replace("\u202f", " ").replace("\xa0", " ")
    return read_number(text, DECIMAL_MARK.get(language, DECIMAL_POINT), thousands_known=True)
