"""Load test: a team in the app while the worker writes a plan, against the real `opensop serve` (loopback only).

    python benchmarks/load.py              # demo company, 50 readers + 20 writers, 60 s, SQLite then PostgreSQL
    python benchmarks/load.py --smoke      # tiny company, 6 readers + 3 writers, 8 s per store (make test)
    python benchmarks/load.py --store sqlite --seconds 30

For each store: a fresh workspace (a SQLite file, or a schema of the PostgreSQL server at OPENSOP_TEST_POSTGRES_URL),
the company imported, its cycle opened and the working draft planned, the demo logins created — through the
services, as `opensop demo` does. Then `opensop serve` runs (the server and its worker: subprocesses) and:

* one plan run is queued at the start: the worker computes and writes a whole new plan version during the load;
* readers loop over API reads (cycles, versions, a version, its overrides, the run) and web pages (home, demand);
* writers each own one override cell of the working draft and rewrite it with compare-and-swap
  (`expected_row_version`): a 409 is the server refusing a stale write, as it must — the writer re-reads and
  retries; it is counted apart, never as an error.

Printed per store: requests, answers by status, 5xx (the target is 0: contention is a wait, or a 503 with
Retry-After, never a 500), p50/p95 latency of reads and writes, the plan run's outcome, and lost updates: for each
writer's cell, the row version the database holds must be exactly 1 + the writes it accepted after the first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from opensop.config import Settings
from opensop.cycle.steps import CONSENSUS_MEASURE
from opensop.demo import generate_demo
from opensop.ingest import write_csv_folder
from opensop.schema.frames import PlanningData
from opensop.services import cycles, imports, plan_runs, plans, runs
from opensop.services.auth import Principal
from opensop.services.demo_users import demo_logins, ensure_demo_users
from opensop.services.workspace import init_workspace

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny"
POSTGRES_URL = os.environ.get("OPENSOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Tally:
    """What every client thread saw; one lock, appended at the end of each request (cheap next to a request)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    read_seconds: list[float] = field(default_factory=list)
    write_seconds: list[float] = field(default_factory=list)
    conflicts: int = 0
    accepted: dict[int, int] = field(default_factory=dict)  # writer -> writes accepted (first write included)
    failures: list[str] = field(default_factory=list)

    def record(self, status: int, seconds: float, *, write: bool) -> None:
        with self.lock:
            self.statuses[status] += 1
            (self.write_seconds if write else self.read_seconds).append(seconds)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare(
    folder: Path, database_url: str | None, *, demo: bool, writers: int
) -> tuple[int, int, list[dict[str, str]]]:
    """Workspace with the company imported, its cycle open and the working draft planned: the cycle id, the draft
    id and one item x region x month cell of its consensus per writer."""
    settings = Settings(workspace=folder / "ws", database_url=database_url)
    workspace = init_workspace(settings)
    try:
        source = TINY
        if demo:
            source = folder / "demo-data"
            write_csv_folder(PlanningData.from_frames(generate_demo()), source)
        imports.import_dataset(workspace, source, actor="load-test")
        actor = Principal.system("load-test")
        view, _ = cycles.working_cycle(workspace, actor=actor)
        request = plan_runs.PlanRequest(cycle_id=view.cycle.id, label="working draft", reason="load test setup")
        _, outcome = runs.plan_here(workspace, actor=actor, request=request)
        ensure_demo_users(workspace)
        draft_id = int(outcome.summary["plan_version_id"])
        measures = plans.read_content(workspace, actor=actor, version_id=draft_id).measures
        consensus = measures[(measures["measure"] == CONSENSUS_MEASURE) & measures["item_id"].notna()]
        consensus = consensus.drop_duplicates(["item_id", "region_id", "period"]).head(writers)
        if len(consensus) < writers:
            raise SystemExit(f"the draft has {len(consensus)} consensus cells, fewer than the {writers} writers")
        chosen = [
            {"item_id": str(row.item_id), "region_id": str(row.region_id), "period": str(row.period)}
            for row in consensus.itertuples(index=False)
        ]
        return view.cycle.id, draft_id, chosen
    finally:
        workspace.dispose()


def _login(client: httpx.Client, role: str) -> dict[str, str]:
    login = next(item for item in demo_logins() if item.role == role)
    answer = client.post("/auth/login", json={"username": login.username, "password": login.password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _web_session(client: httpx.Client) -> None:
    login = next(item for item in demo_logins() if item.role == "viewer")
    client.post("/app/login", data={"username": login.username, "password": login.password, "next": "/app/"})


def reader(url: str, stop: threading.Event, tally: Tally, cycle_id: int, draft_id: int, run_id: int) -> None:
    with httpx.Client(base_url=url, timeout=120.0) as client:
        headers = _login(client, "viewer")
        _web_session(client)
        paths = [
            ("/cycles", headers),
            (f"/plan-versions?cycle_id={cycle_id}", headers),
            (f"/plan-versions/{draft_id}", headers),
            (f"/plan-versions/{draft_id}/overrides", headers),
            (f"/runs/{run_id}", headers),
            ("/app/", {}),
            ("/app/demand", {}),
        ]
        turn = 0
        while not stop.is_set():
            path, extra = paths[turn % len(paths)]
            turn += 1
            started = time.perf_counter()
            try:
                status = client.get(path, headers=extra).status_code
            except httpx.HTTPError as error:
                with tally.lock:
                    tally.failures.append(f"GET {path}: {type(error).__name__}")
                continue
            tally.record(status, time.perf_counter() - started, write=False)


def writer(url: str, stop: threading.Event, tally: Tally, index: int, draft_id: int, cell: dict[str, str]) -> None:
    """Rewrites its own cell with compare-and-swap; on 409 it re-reads the row version and tries again."""
    with httpx.Client(base_url=url, timeout=120.0) as client:
        headers = _login(client, "demand_planner")
        expected, accepted = 0, 0
        while not stop.is_set():
            body = {
                **cell,
                "level": "item",
                "value": float(100 + accepted),
                "kind": "absolute",
                "source": "demand_planner",
                "reason": f"load test writer {index}",
                "expected_row_version": expected,
            }
            started = time.perf_counter()
            try:
                answer = client.put(f"/plan-versions/{draft_id}/overrides", headers=headers, json=body)
            except httpx.HTTPError as error:
                with tally.lock:
                    tally.failures.append(f"PUT override: {type(error).__name__}")
                continue
            tally.record(answer.status_code, time.perf_counter() - started, write=True)
            if answer.status_code == 200:
                accepted += 1
                expected = int(answer.json()["row_version"])
            elif answer.status_code == 409:
                with tally.lock:
                    tally.conflicts += 1
                current = answer.json().get("detail", {}).get("current") or {}
                expected = int(current.get("row_version", expected))
            elif answer.status_code == 503:
                time.sleep(float(answer.headers.get("Retry-After", "1")))
        with tally.lock:
            tally.accepted[index] = accepted


def run_store(store: str, *, demo: bool, readers: int, writers: int, seconds: float) -> bool:
    folder = Path(tempfile.mkdtemp(prefix=f"opensop-load-{store}-"))
    schema = f"opensop_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL) if store == "postgresql" else None
    database_url = None
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        cycle_id, draft_id, chosen = prepare(folder, database_url, demo=demo, writers=writers)
        setup = time.perf_counter() - started
        port = _free_port()
        env = {**os.environ, "OPENSOP_WORKSPACE": str(folder / "ws")}
        if database_url:
            env["OPENSOP_DATABASE_URL"] = database_url
        server = subprocess.Popen(
            [sys.executable, "-m", "opensop.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/app/login", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    f"the server did not start: {server.stderr.read().decode()[-2000:] if server.stderr else ''}"
                )
            time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=120.0) as client:
            headers = _login(client, "supply_planner")
            queued = client.post(
                f"/cycles/{cycle_id}/plan-runs",
                headers=headers,
                json={"base_version_id": draft_id, "scenario": "load", "reason": "load test"},
            )
            queued.raise_for_status()
            run_id = int(queued.json()["id"])
        tally, stop = Tally(), threading.Event()
        threads = [
            threading.Thread(target=reader, args=(url, stop, tally, cycle_id, draft_id, run_id)) for _ in range(readers)
        ]
        threads += [
            threading.Thread(target=writer, args=(url, stop, tally, index, draft_id, chosen[index]))
            for index in range(writers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        drained = time.perf_counter()
        with httpx.Client(base_url=url, timeout=900.0) as client:
            headers = _login(client, "viewer")  # answered once the requests still queued in the server are done
            drained = time.perf_counter() - drained
            deadline = time.monotonic() + 600
            while True:
                run = client.get(f"/runs/{run_id}", headers=headers).json()
                if run["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                    break
                time.sleep(1)
            stored = client.get(f"/plan-versions/{draft_id}/overrides", headers=headers).json()
        versions = {(row["item_id"], row["region_id"], row["period"][:7]): row["row_version"] for row in stored}
        lost = 0
        for index, cell in enumerate(chosen):
            accepted = tally.accepted.get(index, 0)
            final = versions.get((cell["item_id"], cell["region_id"], cell["period"][:7]), 0)
            lost += abs(accepted - final)  # the first accepted write creates version 1, each next one adds 1
        requests = sum(tally.statuses.values())
        server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
        print(
            f"{store:<10} | {'demo' if demo else 'tiny'} | {readers} readers + {writers} writers for {seconds:.0f} s "
            f"(setup {setup:.0f} s) | requests {requests:,} ({requests / seconds:,.0f}/s) | by status "
            + ", ".join(f"{status}: {count:,}" for status, count in sorted(tally.statuses.items()))
            + f" | 5xx {server_errors} | conflicts refused (409) {tally.conflicts:,}"
            f" | read p50 {1000 * _percentile(tally.read_seconds, 0.5):.0f} ms p95"
            f" {1000 * _percentile(tally.read_seconds, 0.95):.0f} ms"
            f" | write p50 {1000 * _percentile(tally.write_seconds, 0.5):.0f} ms p95"
            f" {1000 * _percentile(tally.write_seconds, 0.95):.0f} ms"
            f" | accepted writes {sum(tally.accepted.values()):,}, lost updates {lost}"
            f" | server drained {drained:.0f} s after the load"
            f" | plan run {run['status']} {run.get('error') or ''}".rstrip()
            + (
                f" | client failures {len(tally.failures)}: {Counter(tally.failures).most_common(3)}"
                if tally.failures
                else ""
            )
        )
        return server_errors == 0 and lost == 0 and run["status"] == "succeeded" and not tally.failures
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny company, 6 readers + 3 writers, 8 s per store")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    readers, writers, seconds = (6, 3, 8.0) if args.smoke else (args.readers, args.writers, args.seconds)
    healthy = [
        run_store(store, demo=not args.smoke, readers=readers, writers=writers, seconds=seconds) for store in stores
    ]
    if not all(healthy):
        raise SystemExit("the load test saw server errors, lost updates, client failures or a failed plan run")


if __name__ == "__main__":
    main()
