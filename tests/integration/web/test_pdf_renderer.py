"""Issue 18.8: PDF packs share one chromium. Before, every request launched its own browser (six requests left 36
chromium processes); now one browser, started on first use, serves every PDF and stops with the renderer."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from opensop.reports.pack import CHROMIUM, PdfRenderer


def _browsers() -> set[int]:
    """Chromium main processes (not their renderer/GPU helpers) descending from this test process."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parents.get(pid, 0)
        return False

    return {
        pid for pid, line in commands.items() if "chromium" in line and "--type=" not in line and ours(parents[pid])
    }


def test_one_browser_serves_every_pdf() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
        pytest.skip("Debian's chromium is not installed (scripts/ensure-chromium.sh)")
    others = _browsers()  # the application's own renderer may be running from an earlier test
    renderer = PdfRenderer()
    try:
        results: list[bytes] = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(renderer.render(f"<h1>pack {n}</h1>"))) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(results) == 4
        assert all(pdf.startswith(b"%PDF") for pdf in results)
        browsers = _browsers() - others
        assert len(browsers) == 1, browsers
        assert renderer.render("<p>again</p>").startswith(b"%PDF")
        assert _browsers() - others == browsers  # the same browser, reused
    finally:
        renderer.close()
    deadline = time.monotonic() + 20
    while _browsers() - others and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _browsers() - others
