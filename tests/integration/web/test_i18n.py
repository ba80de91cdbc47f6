"""The UI catalogues stay in step, and the language choice follows cookie, then Accept-Language, then French."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(("text", "value"), [("1 234,5", 1234.5), ("1,234.5", 1234.5), ("12", 12.0), ("-3,5", -3.5)])
def test_numbers_typed_in_french_or_english(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "nan", "inf", ""])
def test_not_numbers(text: str) -> None:
    with pytest.raises(ValueError, match=r"convert|nan|inf"):
        parse_number(text)
