"""Imports arriving over HTTP: an uploaded .xlsx workbook or a .zip of CSV files, unpacked safely into a temporary
folder and handed to `opensop.services.imports.import_dataset` (which validates, loads and audits). Also the
permission-checked reads of loads and their quality reports.
"""

from __future__ import annotations

import tempfile
import zipfile
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl

from opensop.cycle.permissions import Action, require
from opensop.errors import InvalidRequest, NotFoundError, SourceError
from opensop.services import imports
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store.database import transaction
from opensop.store.tables import DatasetLoad

MAX_UNPACKED_BYTES = 500 * 1024 * 1024
ACCEPTED = (".xlsx", ".zip")


def _safe_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    if not name.lower().endswith(ACCEPTED):
        raise InvalidRequest(f"cannot import {name or 'an unnamed file'}", hint="upload an .xlsx or a .zip of CSVs")
    return name


def _unpack(archive: Path, target: Path) -> Path:
    """Extract the CSV files only, flat, refusing zip bombs; a zip holding one folder imports that folder."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [
                m for m in bundle.infolist() if not m.is_dir() and m.filename.lower().endswith((".csv", ".parquet"))
            ]
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise SourceError("the archive is too large once unpacked")
            if not members:
                raise SourceError("the archive holds no CSV or Parquet file")
            target.mkdir()
            for member in members:
                name = PurePosixPath(member.filename).name
                (target / name).write_bytes(bundle.read(member))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as error:
        raise SourceError(f"the archive cannot be read: {error}") from error
    return target


def _check_workbook(path: Path) -> Path:
    """The readers assume a well-formed workbook; an upload can be anything, so open it once here first."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
        workbook.close()
    except Exception as error:
        raise SourceError(f"the workbook cannot be read: {type(error).__name__}: {error}") from error
    return path


def import_upload(
    workspace: Workspace, *, actor: Principal, filename: str, content: bytes, as_of: date | None = None
) -> imports.ImportOutcome:
    require(actor.role, Action.IMPORT_DATA)
    name = _safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="opensop-upload-") as folder:
        saved = Path(folder) / name
        saved.write_bytes(content)
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
