"""Identifiers: every rule of issue 2 §2, with the reason in the error."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.errors import InvalidIdentifier
from workflow.identifiers import (
    ActNature,
    Arrondissement,
    Classification,
    CollectiviteNature,
    Departement,
    Email,
    IDActe,
    Siren,
    TypologyCode,
    luhn_valid,
)
from workflow.numbering import NumberProfile, NumeroInterne, normalise_number


def _with_luhn_key(eight: str) -> str:
    return next(eight + d for d in "0123456789" if luhn_valid(eight + d))


sirens = st.text(alphabet="0123456789", min_size=8, max_size=8).map(_with_luhn_key)
departements = st.sampled_from(
    [f"{n:03d}" for n in range(1, 96) if n != 20]
    + ["02A", "02B", "971", "972", "973", "974", "975", "976"]
)
s2low_numbers = st.from_regex(r"\A([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]\Z")
ministry_numbers = st.from_regex(r"\A[A-Za-z0-9_\-]{1,15}\Z")
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))


class TestSiren:
    @pytest.mark.parametrize("value", ["212801344", "214502494", "000000000", "356000000"])
    def test_valid(self, value: str) -> None:
        assert Siren.parse(value).value == value

    @pytest.mark.parametrize(
        ("value", "rule"),
        [
            ("21280134", "9 digits"),
            ("2128013445", "9 digits"),
            ("21280134A", "9 digits"),
            ("212801345", "Luhn key"),
        ],
    )
    def test_invalid_names_the_rule(self, value: str, rule: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            Siren.parse(value)
        assert caught.value.field == "siren"
        assert caught.value.rule == rule
        assert caught.value.value == value

    @given(sirens)
    def test_any_luhn_siren_round_trips(self, value: str) -> None:
        assert str(Siren.parse(value)) == value

    @given(sirens, st.integers(0, 8), st.integers(1, 9))
    def test_one_changed_digit_is_caught(self, value: str, position: int, delta: int) -> None:
        changed = (
            value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]
        )
        with pytest.raises(InvalidIdentifier, match="Luhn"):
            Siren.parse(changed)


class TestDepartement:
    @given(departements)
    def test_valid(self, value: str) -> None:
        assert Departement.parse(value).value == value

    @pytest.mark.parametrize("value", ["020", "096", "977", "000", "02C", "2A", "1234", "", "970"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            Departement.parse(value)
        assert caught.value.field == "departement"
        assert "02A" in (caught.value.rule or "")

    def test_two_digit_form_is_padded(self) -> None:
        assert Departement.parse("28").value == "028"

    def test_corsica_hint(self) -> None:
        with pytest.raises(InvalidIdentifier, match="Corsica"):
            Departement.parse("020")


def test_arrondissement_and_collectivite_nature() -> None:
    assert Arrondissement.parse("3").value == 3
    assert CollectiviteNature.parse("31").label == "Commune"
    for bad in ("10", "x", ""):
        with pytest.raises(InvalidIdentifier, match="arrondissement"):
            Arrondissement.parse(bad)
    with pytest.raises(InvalidIdentifier, match="two digits"):
        CollectiviteNature.parse("3")


@pytest.mark.parametrize(
    ("text", "nature", "code"),
    [
        ("DE", ActNature.DE, 1),
        ("ai", ActNature.AI, 3),
        ("5", ActNature.BF, 5),
        (6, ActNature.AU, 6),
    ],
)
def test_act_nature(text: str | int, nature: ActNature, code: int) -> None:
    assert ActNature.parse(text) is nature
    assert nature.code == code


def test_act_nature_invalid_and_default_typologies() -> None:
    with pytest.raises(InvalidIdentifier, match="DE, AR, AI, CC, BF, AU"):
        ActNature.parse("XX")
    assert ActNature.CC.default_typology == TypologyCode("99_DC")
    assert ActNature.BF.default_typology == TypologyCode("99_BU")


class TestClassification:
    @pytest.mark.parametrize("text", ["8.1", "7.1.2", "1.2.3.4.5", "7.10"])
    def test_valid(self, text: str) -> None:
        assert str(Classification.parse(text)) == text

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("8", "levels 1 and 2"),
            ("", "levels 1 and 2"),
            ("1.2.3.4.5.6", "at most 5"),
            ("8.a", "level 2"),
            ("8.0", "level 2"),
            ("8..1", "level 2"),
        ],
    )
    def test_invalid(self, text: str, why: str) -> None:
        with pytest.raises(InvalidIdentifier, match=why):
            Classification.parse(text)

    @given(st.lists(st.integers(1, 99), min_size=2, max_size=5))
    def test_round_trip(self, levels: list[int]) -> None:
        text = ".".join(map(str, levels))
        assert Classification.parse(text).levels == tuple(levels)


class TestNumeroInterne:
    @pytest.mark.parametrize("text", ["D201717", "CL20171227_06", "A", "12345678901234Z"])
    def test_s2low_valid(self, text: str) -> None:
        assert NumeroInterne.parse(text).value == text

    @pytest.mark.parametrize(
        "text", ["_A", "A_", "a1", "DEL2022-148", "1234567890123456", "", "15.09.03.35"]
    )
    def test_s2low_invalid(self, text: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            NumeroInterne.parse(text)
        assert caught.value.field == "numero"

    def test_ministry_allows_hyphens(self) -> None:
        assert NumeroInterne.parse("DEL2022-148", NumberProfile.MINISTRY).value == "DEL2022-148"
        with pytest.raises(InvalidIdentifier):
            NumeroInterne.parse("1234567890123456", NumberProfile.MINISTRY)

    def test_error_suggests_the_normalised_form(self) -> None:
        with pytest.raises(InvalidIdentifier, match="15_09_03_35"):
            NumeroInterne.parse("15.09.03.35")

    @pytest.mark.parametrize(
        ("printed", "s2low", "ministry"),
        [
            ("15.09.03.35", "15_09_03_35", "15-09-03-35"),
            ("48/2023", "48_2023", "48-2023"),
            ("2021-100", "2021_100", "2021-100"),
            ("DEL2022-148", "DEL2022_148", "DEL2022-148"),
            (" dél. 12 ", "DEL_12", "del-12"),
        ],
    )
    def test_normaliser(self, printed: str, s2low: str, ministry: str) -> None:
        first = normalise_number(printed, NumberProfile.S2LOW)
        assert first.numero.value == s2low
        assert first.changed
        assert normalise_number(printed, NumberProfile.MINISTRY).numero.value == ministry

    def test_normaliser_reports_each_change(self) -> None:
        result = normalise_number(" dél. 12 ")
        assert result.changes == (
            "removed surrounding spaces",
            "removed accents",
            "upper-cased letters",
            "replaced ' ', '.' by '_'",
        )

    def test_normaliser_squeezes_then_refuses(self) -> None:
        assert normalise_number("2023.12.31.0001").numero.value == "2023_12_31_0001"
        assert normalise_number("2023.12.31.00012").numero.value == "2023123100012"
        with pytest.raises(InvalidIdentifier, match="at most 15"):
            normalise_number("2023-12-31-0001-0002")
        with pytest.raises(InvalidIdentifier):
            normalise_number("...")

    @given(s2low_numbers)
    def test_valid_numbers_are_left_alone(self, text: str) -> None:
        assert not normalise_number(text).changed

    @given(st.text(min_size=1, max_size=30), st.sampled_from(list(NumberProfile)))
    def test_normaliser_output_is_always_valid(self, text: str, profile: NumberProfile) -> None:
        try:
            result = normalise_number(text, profile)
        except InvalidIdentifier:
            return
        assert NumeroInterne.parse(result.numero.value, profile) == result.numero
        assert normalise_number(result.numero.value, profile).numero == result.numero


class TestIDActe:
    def test_parse_with_hyphenated_number(self) -> None:
        parsed = IDActe.parse("028-212801344-20221018-DEL2022-148-DE")
        assert parsed.as_dict() == {
            "id": "028-212801344-20221018-DEL2022-148-DE",
            "departement": "028",
            "siren": "212801344",
            "date": "2022-10-18",
            "numero": "DEL2022-148",
            "nature": "DE",
            "nature_code": 1,
        }

    def test_eight_digit_siren_is_rejected_with_the_reason(self) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            IDActe.parse("030-21300217-20211027-2021100-DE")
        assert "SIREN" in caught.value.message
        assert "8 digits" in caught.value.message
        assert caught.value.field == "id_acte"

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("028-212801344-20221018-DE", "form"),
            ("028-212801344-20221318-X-DE", "calendar date"),
            ("028-212801344-2022101-X-DE", "YYYYMMDD"),
            ("028-212801344-20221018-X-XX", "nature"),
            ("020-212801344-20221018-X-DE", "département"),
            ("28-212801344-20221018-X-DE", "3 characters"),
            ("028-212801344-20221018-1234567890123456-DE", "number"),
            ("028-212801345-20221018-X-DE", "Luhn"),
        ],
    )
    def test_invalid(self, text: str, why: str) -> None:
        with pytest.raises(InvalidIdentifier, match=why):
            IDActe.parse(text)

    @given(departements, sirens, dates, ministry_numbers, st.sampled_from(list(ActNature)))
    def test_build_then_parse(
        self, dept: str, siren: str, day: dt.date, number: str, nature: ActNature
    ) -> None:
        built = IDActe.build(Departement.parse(dept), Siren.parse(siren), day, number, nature)
        assert IDActe.parse(str(built)) == built


def test_email_pattern() -> None:
    assert Email.parse("actes@ville-dreux.fr").value == "actes@ville-dreux.fr"
    for bad in ("no-at", "a@b", "é@x.fr", "a@b.toolongtld"):
        with pytest.raises(InvalidIdentifier, match="Email"):
            Email.parse(bad)


def test_typology() -> None:
    assert TypologyCode.parse("99_de").value == "99_DE"
    with pytest.raises(InvalidIdentifier, match="5 characters"):
        TypologyCode.parse("99DE")
