"""The executive pack: a one-page summary as printable HTML, the same page as a PDF, and the approved plan as an
Excel workbook.

Charts are static SVG drawn here (a few bars, no JavaScript), so the HTML prints as is and the PDF needs nothing
but a browser: `to_pdf` renders the HTML with Debian's chromium through Playwright's `page.pdf()`.
"""

from __future__ import annotations

import atexit
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from opensop.errors import Busy, FeatureUnavailable
from opensop.reports.excel import tables_workbook

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
TEMPLATES = resources.files("opensop.reports") / "templates"


@dataclass(frozen=True)
class PackData:
    """What the one-page summary says; the web (or the CLI) gathers it from the services."""

    title: str
    cycle: str
    version_id: int
    scenario: str
    status: str
    kpis: dict[str, float]
    monthly: pd.DataFrame
    decisions: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    language: str = "en"


def bar_chart(labels: list[str], values: list[float], *, title: str, width: int = 640, height: int = 200) -> Markup:
    """A plain SVG bar chart (values >= 0 drawn up, < 0 down); every text is escaped."""
    left, bottom, top = 60, 30, 24
    plot_height = height - bottom - top
    highest = max([abs(v) for v in values] + [1.0])
    has_negative = any(v < 0 for v in values)
    zero = top + (plot_height / 2 if has_negative else plot_height)
    scale = (plot_height / 2 if has_negative else plot_height) / highest
    step = (width - left - 10) / max(1, len(values))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{zero:.1f}" x2="{width - 10}" y2="{zero:.1f}" stroke="#555"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end">{highest:,.0f}</text>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * step + step * 0.15
        bar = abs(value) * scale
        y = zero - bar if value >= 0 else zero
        colour = "#1f4e79" if value >= 0 else "#c0392b"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{bar:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {value:,.0f}</title></rect>"
        )
        if len(values) <= 24:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers formatted here, every text escaped above


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True), trim_blocks=True
    )
    environment.filters["num"] = lambda v: f"{float(v):,.0f}".replace(",", "\u202f")
    environment.filters["pct"] = lambda v: f"{float(v) * 100:.1f} %"
    return environment


def to_html(pack: PackData) -> str:
    monthly = pack.monthly
    months = [f"{pd.Timestamp(p):%Y-%m}" for p in monthly["period"]] if len(monthly) else []
    charts = [
        bar_chart(months, [float(v) for v in monthly[column]], title=pack.labels.get(column, column))
        for column in ("revenue", "gross_margin")
        if column in monthly.columns
    ]
    return _environment().get_template("pack.html").render(pack=pack, charts=charts, today=date.today())


class PdfRenderer:
    """One chromium for every PDF, reused, driven by one thread of its own (Playwright's sync objects belong to
    the thread that made them). Requests wait in a bounded queue: at most `max_waiting`, then `Busy` (HTTP 429).
    Without it each PDF request started its own browser: six requests left 36 chromium processes."""

    def __init__(self, *, max_waiting: int = 8, timeout: float = 120.0) -> None:
        self._jobs: queue.Queue[tuple[str, Future[bytes]] | None] = queue.Queue(maxsize=max_waiting)
        self._timeout = timeout
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def render(self, html: str) -> bytes:
        try:
            from playwright import sync_api  # noqa: F401, PLC0415 - heavy, and only PDFs need it
        except ImportError as missing:
            raise FeatureUnavailable(
                "the executive pack cannot be printed as PDF: Playwright is not installed",
                hint="install OpenSOP with its pdf extra (pip install 'opensop[pdf]'), or print the HTML pack",
            ) from missing
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="opensop-pdf", daemon=True)
                self._thread.start()
                atexit.register(self.close)
        done: Future[bytes] = Future()
        try:
            self._jobs.put_nowait((html, done))
        except queue.Full as error:
            raise Busy("the PDF renderer is busy with other packs") from error
        return done.result(timeout=self._timeout)

    def close(self) -> None:
        """Stop the browser (at exit, or in a test)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._jobs.put(None)
            thread.join(timeout=30)

    def _serve(self) -> None:
        try:
            self._drive()
        except Exception as error:  # noqa: BLE001 - Playwright itself failed: fail the waiting requests, not hang them
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[1].set_exception(error)

    def _drive(self) -> None:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - heavy, and only PDFs need it

        with sync_playwright() as driver:
            browser = None
            try:
                while (job := self._jobs.get()) is not None:
                    html, done = job
                    try:
                        if browser is None or not browser.is_connected():
                            browser = driver.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
                        page = browser.new_page()
                        try:
                            page.set_content(html, wait_until="load")
                            done.set_result(
                                page.pdf(format="A4", print_background=True, margin={"top": "12mm", "bottom": "12mm"})
                            )
                        finally:
                            page.close()
                    except Exception as error:  # noqa: BLE001 - handed to the waiting request, which raises it
                        done.set_exception(error)
            finally:
                if browser is not None:
                    browser.close()


RENDERER = PdfRenderer()


def to_pdf(html: str) -> bytes:
    """Print the HTML with chromium (A4, backgrounds on) through the shared renderer. Needs the `pdf` extra
    (Playwright) and Debian's chromium at /usr/bin/chromium."""
    return RENDERER.render(html)


def plan_workbook(pack: PackData, measures: pd.DataFrame) -> bytes:
    """The approved plan: the summary, the monthly numbers and every measure by family and month."""
    summary = pd.DataFrame([{"line": pack.labels.get(k, k), "value": v} for k, v in pack.kpis.items()])
    detail = measures.copy()
    detail["family_id"] = detail["family_id"].astype(object).where(detail["family_id"].notna(), "")
    by_family = detail.groupby(["measure", "family_id", "period"], as_index=False)["value"].sum()
    wide = by_family.pivot_table(index=["measure", "family_id"], columns="period", values="value", aggfunc="sum")
    wide.columns = [f"{pd.Timestamp(c):%Y-%m}" for c in wide.columns]
    tables: dict[str, Any] = {
        "summary": summary,
        "monthly": pack.monthly,
        "plan_by_family": wide.reset_index(),
    }
    return tables_workbook(tables, money=("value", "revenue", "gross_margin"))
