"""The web app served by uvicorn on 127.0.0.1 (a free port, a background thread) over a real SQLite workspace
holding the tiny dataset, demo users (one per role) and an open cycle, with a real worker process executing the plan
runs the pages queue (as `opensop serve` starts one); Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from opensop.config import Settings
from opensop.services import cycles, imports
from opensop.services.auth import Principal
from opensop.services.demo_users import DemoLogin, demo_logins, ensure_demo_users
from opensop.services.workspace import Workspace, init_workspace
from opensop.web import mount
from opensop.web.core import WebRoute

REPO = Path(__file__).resolve().parents[3]
TINY = REPO / "tests" / "data" / "tiny"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "screenshots"
GUIDE_SCREENSHOTS = REPO / "docs" / "screenshots"
CYCLE_MONTH = date(2024, 10, 1)


def web_routes(app: FastAPI) -> list[tuple[str, str, WebRoute]]:
    """(method, path, route) of every route of the web routers the app serves: a new page or form is included."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, WebRoute):
            found.extend((method, str(context.path), route) for method in sorted(context.methods or ()))
    return found


def csp_violations(page: Any) -> list[str]:
    """Every Content-Security-Policy violation of `page` from now on, across navigations (chromium logs each one
    to the console: a blocked inline script or handler, style, eval or foreign source)."""
    found: list[str] = []

    def keep(message: Any) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", keep)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, app: FastAPI) -> None:
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def web_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("web")
    workspace = init_workspace(Settings(workspace=root / "ws"))
    imports.import_dataset(workspace, TINY, actor="setup")
    ensure_demo_users(workspace)
    cycles.open_cycle(workspace, actor=Principal.system("setup"), period=CYCLE_MONTH)
    yield workspace
    workspace.dispose()


def start_worker(workspace: Workspace, log: Path) -> subprocess.Popen[bytes]:
    """`python -m opensop.worker` on the workspace, its output in `log` (a pipe nobody reads would fill up)."""
    command = [
        sys.executable, "-m", "opensop.worker", "--workspace", str(workspace.settings.workspace),
        "--database-url", workspace.settings.resolved_database_url, "--poll", "0.2",
    ]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def worker(web_workspace: Workspace) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(web_workspace, web_workspace.settings.workspace / "worker.log")
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(web_workspace: Workspace, worker: subprocess.Popen[bytes]) -> Iterator[Server]:
    assert worker.poll() is None, (web_workspace.settings.workspace / "worker.log").read_text()
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    with Server(app) as running:
        yield running


@pytest.fixture(scope="module")
def logins() -> dict[str, DemoLogin]:
    return {login.role: login for login in demo_logins()}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
        pytest.skip("Debian's chromium is not installed (scripts/ensure-chromium.sh)")
    from playwright.sync_api import sync_playwright

    from opensop.reports.pack import CHROMIUM_ARGS

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(page: Any, server: Server, login: DemoLogin) -> None:
    """Log in through the login form, as a user would, and land on the cycle page."""
    page.goto(f"{server.url}/app/login")
    page.locator("#username").fill(login.username)
    page.locator("#password").fill(login.password)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{server.url}/app/")
