"""The data contract: dictionary of input tables, canonical frames."""

from opensop.schema.dictionary import DICTIONARY, REQUIRED_TABLES, TABLES, Column, ColumnType, Table
from opensop.schema.frames import PlanningData, conform, empty_frame

__all__ = [
    "DICTIONARY",
    "REQUIRED_TABLES",
    "TABLES",
    "Column",
    "ColumnType",
    "PlanningData",
    "Table",
    "conform",
    "empty_frame",
]
