"""The envelope, built once per collectivité and cut around its message's name: every
package's envelope is the bytes the full build gives, valid against the schema."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import latin1_text
from workflow.collectivite import Collectivite
from workflow.errors import SchemaViolation
from workflow.identifiers import CollectiviteNature
from workflow.packaging import envelope as envelope_module
from workflow.packaging.envelope import envelope, envelope_xml
from workflow.protocol import schemas, xml_out

_names = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_-]{0,60}\.xml\Z")
_addresses = st.from_regex(r"\A[a-z0-9_-]{1,12}@[a-z0-9-]{1,12}\.fr\Z")
_collectivites = st.builds(
    lambda siren, departement, arrondissement, emails, referent: Collectivite.from_mapping(
        {
            "name": "Commune",
            "siren": siren,
            "departement": departement,
            "arrondissement": arrondissement,
            "emails": emails,
            **({"referent": referent} if referent else {}),
        }
    ),
    st.sampled_from(["212801344", "214502494", "200000172"]),
    st.sampled_from(["028", "02A", "974", "045"]),
    st.integers(0, 9),
    st.lists(_addresses, min_size=1, max_size=3),
    st.none()
    | st.fixed_dictionaries(
        {},
        optional={"nom": latin1_text, "telephone": latin1_text, "email": _addresses},
    ),
)


def _full_build(collectivite: Collectivite, name: str) -> bytes:
    data = xml_out.to_xml(envelope(collectivite, name))
    schemas.validate(data)
    return data


@given(_collectivites, _names)
def test_the_envelope_is_the_full_builds_bytes(collectivite: Collectivite, name: str) -> None:
    assert envelope_xml(collectivite, name, "e.xml") == _full_build(collectivite, name)


def test_a_name_the_serialiser_would_escape_takes_the_full_build() -> None:
    collectivite = Collectivite.from_mapping(
        {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@b.fr"]}
    )
    name = "a&b<c>_0.xml"
    assert envelope_xml(collectivite, name, "e.xml") == _full_build(collectivite, name)


def test_the_placeholder_met_elsewhere_takes_the_full_build() -> None:
    placeholder = envelope_module._PLACEHOLDER
    collectivite = Collectivite.from_mapping(
        {
            "name": "Dreux",
            "siren": "212801344",
            "departement": "028",
            "emails": ["a@b.fr"],
            "referent": {"nom": placeholder},
        }
    )
    assert envelope_module._halves(envelope(collectivite, placeholder)) is None
    name = "028-212801344-20260105-DEL1-DE-1-1_0.xml"
    assert envelope_xml(collectivite, name, "e.xml") == _full_build(collectivite, name)


def test_an_invalid_envelope_is_refused_naming_its_file() -> None:
    """The schema refuses a three-digit nature (one never parsed in): the full build says
    so, naming the envelope's file, and nothing is cached."""
    collectivite = Collectivite.from_mapping(
        {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@b.fr"]}
    )
    invalid = dataclasses.replace(collectivite, nature=CollectiviteNature("310"))
    with pytest.raises(SchemaViolation) as caught:
        envelope_xml(invalid, "x_0.xml", "EACT--212801344--20260106-1.xml")
    assert caught.value.field == "EACT--212801344--20260106-1.xml"
    assert "Nature" in caught.value.errors[0]


def test_a_collectivites_envelope_is_built_once() -> None:
    collectivite = Collectivite.from_mapping(
        {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@b.fr"]}
    )
    envelope_module._halves.cache_clear()
    first = envelope_xml(collectivite, "028-212801344-20260105-A-DE-1-1_0.xml", "e.xml")
    second = envelope_xml(collectivite, "028-212801344-20260105-B-DE-1-1_0.xml", "e.xml")
    info = envelope_module._halves.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert first.replace(b"-A-DE-", b"-B-DE-") == second
