"""Hostile requests to the API (issues 15.3 and 18.6, 18.8): a zip bomb and an oversized file are refused by rule
before memory grows (measured here), non-finite JSON is a 422 and never a 500, oversized free texts and JSON objects
are refused, and a dimension-bomb workbook posted by one client does not stop another client's page."""

from __future__ import annotations

import io
import re
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from opensop.api import create_app
from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.server import create_server
from opensop.services.workspace import Workspace, init_workspace
from tests.integration.api.conftest import TestClient, add_users, login_all, password_of
from tests.integration.web.conftest import Server

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
MB = 1024 * 1024


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose server accepts uploads up to 2 MB (the default is 100 MB)."""
    settings = Settings(
        workspace=tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'api.db'}", upload_limit_bytes=2 * MB
    )
    opened = init_workspace(settings)
    add_users(opened)
    yield opened
    opened.dispose()


def _peak_rss_reset() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux), so VmHWM measures from now on."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def zip_bomb(megabytes: int) -> bytes:
    """A sales history of `megabytes` MB of valid-looking CSV, deflated to a few hundred KB."""
    line = b"2023-11,G1,FR,100,12500\n"
    chunk = b"period,item_id,region_id,quantity,revenue\n" + line * (MB // len(line))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in TINY.glob("*.csv"):
            if path.stem != "sales_history":
                bundle.writestr(path.name, path.read_bytes())
        with bundle.open("sales_history.csv", "w") as member:
            member.write(chunk)
            for _ in range(megabytes - 1):
                member.write(line * (MB // len(line)))
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_by_rule_before_memory_grows(tmp_path: Path) -> None:
    """Before: the 300 MB member was read whole (bundle.read), then parsed: the server reached 2.9 GB."""
    settings = Settings(workspace=tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'api.db'}")
    workspace = init_workspace(settings)
    add_users(workspace)
    bomb = zip_bomb(300)
    assert len(bomb) < 2 * MB
    with TestClient(create_app(settings, workspace=workspace)) as client:
        planner = login_all(client)[Role.DEMAND_PLANNER]
        measured_rss = _peak_rss_reset()
        before = _rss("VmRSS")
        tracemalloc.start()
        answer = client.post("/imports", headers=planner, files={"file": ("bomb.zip", bomb)})
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = _rss("VmHWM") - before
        assert answer.status_code == 422, answer.text
        rules = {issue["rule"] for issue in answer.json()["detail"]["report"]["issues"]}
        assert rules == {"archive_too_large"}
        assert python_peak < 16 * MB, f"Python allocations peaked at {python_peak / MB:.1f} MB"
        if measured_rss:
            assert rss_growth < 64 * MB, f"resident memory grew by {rss_growth / MB:.1f} MB"
        print(f"zip bomb (300 MB in {len(bomb) / 1024:.0f} KB): python peak {python_peak / MB:.1f} MB, RSS growth "
              f"{rss_growth / MB:.1f} MB")  # fmt: skip
        assert client.get("/imports", headers=planner).json() == []
    workspace.dispose()


def test_a_ratio_bomb_below_the_size_limit_is_refused_too(limited: Workspace) -> None:
    workspace = limited
    with TestClient(create_app(workspace.settings, workspace=workspace)) as client:
        planner = login_all(client)[Role.DEMAND_PLANNER]
        answer = client.post("/imports", headers=planner, files={"file": ("bomb.zip", zip_bomb(40))})
        assert answer.status_code == 422, answer.text
        issues = answer.json()["detail"]["report"]["issues"]
        assert {issue["rule"] for issue in issues} == {"compression_ratio"}
        assert "sales_history.csv" in issues[0]["file"]


def test_an_oversized_file_is_refused_before_it_is_read(limited: Workspace) -> None:
    """Before: the whole upload was read into memory (`await file.read()`), whatever its size."""
    workspace = limited
    with TestClient(create_app(workspace.settings, workspace=workspace)) as client:
        planner = login_all(client)[Role.DEMAND_PLANNER]
        answer = client.post("/imports", headers=planner, files={"file": ("big.zip", bytes(5 * MB))})
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert [issue["rule"] for issue in detail["report"]["issues"]] == ["upload_too_large"]
        assert "2 MB" in detail["report"]["issues"][0]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/scenarios", '{"name": "nan", "levers": [{"kind": "demand_change", "pct": NaN}]}'),
        ("/scenarios", '{"name": "inf", "levers": [{"kind": "demand_change", "pct": Infinity}]}'),
        ("/scenarios", '{"name": "big", "levers": [{"kind": "demand_change", "pct": 1e400}]}'),
        ("/scenarios", '{"name": "cfg", "config_overrides": {"horizon_months": NaN}}'),
        ("/runs", '{"step": "forecast", "params": {"horizon": -Infinity}}'),
    ],
)
def test_non_finite_json_is_a_422_not_a_500(limited: Workspace, path: str, body: str) -> None:
    with TestClient(create_app(limited.settings, workspace=limited)) as client:
        admin = login_all(client)[Role.ADMIN]
        answer = client.post(path, headers={**admin, "Content-Type": "application/json"}, content=body)
        assert answer.status_code == 422, answer.text
        assert "finite" in answer.text


def test_free_json_and_texts_are_bounded(limited: Workspace) -> None:
    """Before: one 50 MB lever was stored and made a 70 MB page for everyone."""
    with TestClient(create_app(limited.settings, workspace=limited)) as client:
        admin = login_all(client)[Role.ADMIN]
        huge = {"name": "huge", "levers": [{"kind": "demand_change", "pct": 5, "note": "x" * (100 * 1024)}]}
        answer = client.post("/scenarios", headers=admin, json=huge)
        assert answer.status_code == 422, answer.text
        assert "64 KB" in answer.text


def _bomb_workbook() -> bytes:
    """A few cells whose sheet declares XFD1048576, plus one real cell a million rows down: 4-5 KB that the old
    reader turned into 17 billion cells (it padded every row to the declared width)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "items"
    sheet.append(["item_id", "family_id"])
    sheet.append(["A", "F"])
    sheet.cell(row=1_000_000, column=1, value="end")
    buffer = io.BytesIO()
    book.save(buffer)
    source = io.BytesIO(buffer.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for member in original.infolist():
            content = original.read(member)
            if member.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', content)
            bundle.writestr(member, content)
    return out.getvalue()


def test_a_dimension_bomb_does_not_stop_other_users(limited: Workspace) -> None:
    """One client posts the bomb while another reads a page. Before: the import ran inside an async handler and
    read 17 billion cells, so every request waited for over two minutes. Now the import runs in a worker thread
    and reads the workbook by its content: the reads are answered while the import is in progress, and the
    import itself ends quickly, refused or reported by rule. The bound is generous for a busy 2-core machine."""
    bomb = _bomb_workbook()
    assert len(bomb) < 16 * 1024
    with (
        Server(create_server(limited.settings, workspace=limited)) as server,
        httpx.Client(base_url=server.url, timeout=120) as poster,
        httpx.Client(base_url=server.url, timeout=30) as reader,
    ):
        token = poster.post("/auth/login", json={"username": "admin", "password": password_of(Role.ADMIN)})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        import_done = threading.Event()
        outcome: dict[str, object] = {}

        def post_bomb() -> None:
            started = time.monotonic()
            answer = poster.post("/imports", headers=headers, files={"file": ("bomb.xlsx", bomb)})
            outcome["seconds"] = time.monotonic() - started
            outcome["status"] = answer.status_code
            outcome["body"] = answer.text
            import_done.set()

        thread = threading.Thread(target=post_bomb)
        thread.start()
        latencies: list[float] = []
        during: list[bool] = []
        while not import_done.is_set() or not latencies:
            for path in ("/app/login", "/imports"):  # a web page and an API page
                started = time.monotonic()
                page = reader.get(path, headers=headers)
                latencies.append(time.monotonic() - started)
                during.append(not import_done.is_set())
                assert page.status_code == 200, (path, page.text[:200])
        thread.join(timeout=120)
    print(f"dimension bomb: import answered in {outcome['seconds']:.2f} s with {outcome['status']}; "
          f"{len(latencies)} page reads meanwhile, slowest {max(latencies):.2f} s")  # fmt: skip
    assert outcome["status"] == 422, outcome["body"]
    assert float(outcome["seconds"]) < 60  # type: ignore[arg-type]
    assert any(during), "no page was read while the import was in progress"
    assert max(latencies) < 5.0
