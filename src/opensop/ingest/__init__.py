"""Data consolidation: read files, validate them against the data contract, produce canonical frames."""

from opensop.ingest.report import Issue, Severity, ValidationReport
from opensop.ingest.validate import IngestResult, content_hash, validate_source
from opensop.ingest.writers import write_csv_folder, write_excel, write_parquet_folder

__all__ = [
    "IngestResult",
    "Issue",
    "Severity",
    "ValidationReport",
    "content_hash",
    "validate_source",
    "write_csv_folder",
    "write_excel",
    "write_parquet_folder",
]
