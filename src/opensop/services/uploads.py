"""Imports arriving over HTTP: an uploaded .xlsx workbook or a .zip of CSV files, unpacked safely into a temporary
folder and handed to `opensop.services.imports.import_dataset` (which validates, loads and audits). Also the
permission-checked reads of loads and their quality reports.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import openpyxl

from opensop.cycle.permissions import Action, require
from opensop.errors import DataValidationError, InvalidRequest, NotFoundError, SourceError
from opensop.ingest.readers import archive_issues
from opensop.ingest.report import Issue, Severity, ValidationReport
from opensop.services import imports
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store.database import transaction
from opensop.store.tables import DatasetLoad

ACCEPTED = (".xlsx", ".zip")
CHUNK = 1024 * 1024


def _refused(name: str, issues: list[Issue]) -> DataValidationError:
    return DataValidationError(ValidationReport(source=name, issues=issues))


def _safe_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    if not name.lower().endswith(ACCEPTED):
        raise InvalidRequest(f"cannot import {name or 'an unnamed file'}", hint="upload an .xlsx or a .zip of CSVs")
    return name


def _save(stream: BinaryIO, target: Path, *, limit: int, name: str) -> None:
    """Copy the upload to disk in chunks, refusing it (`upload_too_large`) as soon as it passes the limit: memory
    stays at one chunk whatever the client sends."""
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise _refused(name, [_too_large(name, limit)])
            out.write(chunk)


def _too_large(name: str, limit: int) -> Issue:
    return Issue(
        Severity.ERROR,
        "upload_too_large",
        "",
        f"the file is larger than the upload limit of {limit / 2**20:,.0f} MB",
        file=name,
        hint="import large data with `opensop import` on the server (or raise OPENSOP_UPLOAD_LIMIT_MB)",
    )


def _unpack(archive: Path, target: Path) -> Path:
    """Extract the CSV and Parquet files only, flat, streamed member by member. The limits (`archive_issues`:
    size per member and in all, compression ratio) are checked on the archive's directory before any byte is
    unpacked, so a zip bomb is refused at the size of its directory."""
    if problems := archive_issues(archive):
        raise _refused(archive.name, problems)
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [
                m for m in bundle.infolist() if not m.is_dir() and m.filename.lower().endswith((".csv", ".parquet"))
            ]
            if not members:
                raise SourceError("the archive holds no CSV or Parquet file")
            target.mkdir()
            for member in members:
                name = PurePosixPath(member.filename.replace("\\", "/")).name
                with bundle.open(member) as source, (target / name).open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as error:
        raise SourceError(f"the archive cannot be read: {error}") from error
    return target


def _check_workbook(path: Path) -> Path:
    """The readers assume a well-formed workbook; an upload can be anything, so open it once here first (after
    the archive limits: an .xlsx is a zip, and openpyxl reads its shared strings whole)."""
    if problems := archive_issues(path):
        raise _refused(path.name, problems)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
        workbook.close()
    except Exception as error:
        raise SourceError(f"the workbook cannot be read: {type(error).__name__}: {error}") from error
    return path


def import_upload(
    workspace: Workspace,
    *,
    actor: Principal,
    filename: str,
    stream: BinaryIO,
    size: int | None = None,
    as_of: date | None = None,
) -> imports.ImportOutcome:
    """Import an uploaded workbook or zip of CSVs. Blocking (disk, parsing, database): adapters call it from a
    worker thread, never on the event loop. A declared `size` over the limit is refused before reading."""
    require(actor.role, Action.IMPORT_DATA)
    name = _safe_name(filename)
    limit = workspace.settings.upload_limit_bytes
    if size is not None and size > limit:
        raise _refused(name, [_too_large(name, limit)])
    with tempfile.TemporaryDirectory(prefix="opensop-upload-") as folder:
        saved = Path(folder) / name
        _save(stream, saved, limit=limit, name=name)
        source = (
            _check_workbook(saved) if name.lower().endswith(".xlsx") else _unpack(saved, Path(folder) / Path(name).stem)
        )
        return imports.import_dataset(workspace, source, actor=actor.username, as_of=as_of)


def list_loads(workspace: Workspace, *, actor: Principal) -> list[DatasetLoad]:
    require(actor.role, Action.VIEW)
    return imports.list_loads(workspace)


def load_report(workspace: Workspace, *, actor: Principal, load_id: int) -> tuple[DatasetLoad, dict[str, Any]]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        load = session.get(DatasetLoad, load_id)
        if load is None:
            raise NotFoundError(f"dataset load {load_id} does not exist")
        return load, load.report
