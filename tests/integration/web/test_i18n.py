"""The UI catalogues stay in step, and the language choice follows cookie, then Accept-Language, then French."""

from __future__ import annotations

import pytest

from opensop.ingest.numbers import NumberProblem
from opensop.web.core import parse_number
from opensop.web.i18n import EN, FR, choose_language, translate


def test_catalogues_have_the_same_keys() -> None:
    assert set(EN) == set(FR)
    assert all(FR[key] for key in FR)


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("en", "fr-FR,fr;q=0.9", "en"),
        (None, "en-GB,en;q=0.9,fr;q=0.8", "en"),
        (None, "de-DE,fr;q=0.5,en;q=0.4", "fr"),
        (None, "de-DE", "fr"),
        ("xx", None, "fr"),
        (None, "en;q=bad,fr;q=0.1", "fr"),
    ],
)
def test_language_choice(cookie: str | None, header: str | None, expected: str) -> None:
    assert choose_language(cookie, header) == expected


def test_translation_formats_and_falls_back() -> None:
    assert translate("fr", "saved", n=2) == "2 ajustement(s) enregistré(s)."
    assert translate("fr", "no_such_key") == "no_such_key"


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("fr", "1 234,5", 1234.5),
        ("fr", "1\u202f234,5", 1234.5),
        ("fr", "1.234,5", 1234.5),
        ("fr", "1,234", 1.234),
        ("fr", "-3,5", -3.5),
        ("fr", "12", 12.0),
        ("en", "1,234.5", 1234.5),
        ("en", "1,234", 1234.0),
        ("en", "1 234", 1234.0),
        ("en", "1.234", 1.234),
        ("en", "-3.5", -3.5),
    ],
)
def test_numbers_are_read_by_the_page_language(language: str, text: str, value: float) -> None:
    """Before: one parser for both languages read '1.234,5' as 1.2345 and '1,234' as 1.234 on every page."""
    assert parse_number(text, language) == value


@pytest.mark.parametrize(
    ("language", "text", "rule"),
    [
        ("fr", "1.234", "ambiguous_number"),
        ("en", "1.234,5", "number_locale"),
        ("en", "12,5", "number_locale"),
        ("en", "1e400", "implausible_value"),
        ("fr", "abc", "wrong_type"),
        ("en", "nan", "wrong_type"),
        ("en", "inf", "wrong_type"),
        ("fr", "", "wrong_type"),
    ],
)
def test_numbers_a_page_cannot_read_are_refused_by_name(language: str, text: str, rule: str) -> None:
    with pytest.raises(NumberProblem) as refused:
        parse_number(text, language)
    assert refused.value.rule == rule
