"""Every message round-trips: build → parse → equal; hostile XML is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.strategies import acte_datas, every_message, latin1_text
from workflow.errors import InvalidMessage, SchemaViolation
from workflow.protocol import messages as m
from workflow.protocol import schemas, xml_in, xml_out
from workflow.protocol.xmlsafe import parse_xml


@pytest.mark.parametrize("message", every_message(), ids=lambda msg: msg.code.value)
def test_round_trip(message: m.Message) -> None:
    data = xml_out.to_xml(message)
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert xml_in.parse_message(data) == message
    assert xml_in.message_code_of(data) is message.code
    assert xml_out.to_xml(message) == data  # deterministic
    schemas.validate(data)


def test_every_message_type_is_covered() -> None:
    assert {type(msg) for msg in every_message()} == set(m.Message.__args__)  # type: ignore[attr-defined]


@given(acte_datas)
def test_any_act_round_trips(data: m.ActeData) -> None:
    message = m.Acte(data)
    raw = xml_out.to_xml(message)
    assert xml_in.parse_message(raw) == message
    schemas.validate(raw)


def test_non_latin1_text_is_refused_with_the_field() -> None:
    from tests.strategies import acte_data

    with pytest.raises(InvalidMessage, match="Objet") as caught:
        xml_out.to_xml(m.Acte(acte_data(objet="Budget ₿")))
    assert caught.value.rule == "ISO-8859-1 characters"


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><actes:Annulation xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216" actes:IDActe="&b;"/>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "remote DTD": b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:1/evil.dtd"><x/>',
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_xml_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidMessage, match=r"DOCTYPE|not well-formed"):
        xml_in.parse_message(data)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            b'<actes:Annulation xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216"/>',
            "Annulation/@IDActe",
        ),
        (
            b'<actes:ARAnnulation xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216" actes:IDActe="x" actes:DateReception="2022-13-01"/>',
            "ARAnnulation/@DateReception",
        ),
        (
            b'<actes:DefereTA xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216" actes:IDActe="x"><actes:NatureIllegalite>n</actes:NatureIllegalite></actes:DefereTA>',
            "DefereTA/DateDepot",
        ),
        (b"<Acte/>", "message"),
        (
            b'<actes:Unknown xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216"/>',
            "message",
        ),
        (b"<unclosed", "message"),
    ],
)
def test_malformed_messages_name_the_element(data: bytes, field: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        xml_in.parse_message(data)
    assert caught.value.field == field


def test_schema_violation_lists_errors() -> None:
    data = xml_out.to_xml(m.Annulation("not-an-id"))
    with pytest.raises(SchemaViolation) as caught:
        schemas.validate(data, source="x.xml")
    assert caught.value.errors
    assert "IDActe" in caught.value.errors[0]


def test_validation_from_many_threads_at_once() -> None:
    """The workers package in a thread pool: each thread validates with its own schema, and
    each invalid message gets its own errors, never another thread's."""
    from concurrent.futures import ThreadPoolExecutor

    good = [xml_out.to_xml(message) for message in every_message()]
    bad = xml_out.to_xml(m.Annulation("not-an-id"))

    def work(index: int) -> str:
        for _ in range(20):
            for data in good:
                schemas.validate(data)
        try:
            schemas.validate(bad, source=f"message-{index}")
        except SchemaViolation as error:
            return f"{error.field}: {'IDActe' in error.errors[0]}"
        return "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        fields = list(pool.map(work, range(16)))
    assert fields == [f"message-{i}: True" for i in range(16)]


# ------------------------------------------- the tree packaging validates is the one it sends


def _same_tree(built: etree._Element, reread: etree._Element) -> None:
    """Equal elements: names, attributes, texts; only the indentation between elements (which
    ``pretty_print`` adds and the schema ignores) may differ."""
    assert reread.tag == built.tag
    assert dict(reread.attrib) == dict(built.attrib)
    assert reread.nsmap == built.nsmap
    assert len(reread) == len(built)
    if len(built):
        assert not (built.text or "").strip() and not (reread.text or "").strip()
    else:
        assert (reread.text or "") == (built.text or "")
    for built_child, reread_child in zip(built, reread, strict=True):
        assert not (reread_child.tail or "").strip()
        _same_tree(built_child, reread_child)


def _verdict(check: Callable[[], None]) -> list[str] | None:
    """A validation's errors without their location (a line, or an element's path)."""
    try:
        check()
    except SchemaViolation as error:
        return [e.split(": ", 1)[1] for e in error.errors]
    return None


def _sent_as_validated(message: m.Message) -> list[str] | None:
    root = xml_out.build(message)
    sent = xml_out.to_xml(message)
    assert xml_out.serialise(root) == sent
    _same_tree(root, parse_xml(sent))
    verdict = _verdict(lambda: schemas.validate_tree(root))
    assert verdict == _verdict(lambda: schemas.validate(sent))
    return verdict


@pytest.mark.parametrize("message", every_message(), ids=lambda msg: msg.code.value)
def test_the_validated_tree_is_the_one_sent(message: m.Message) -> None:
    assert _sent_as_validated(message) is None


def test_an_invalid_tree_is_refused_as_its_bytes_are() -> None:
    verdict = _sent_as_validated(m.Annulation("not-an-id"))
    assert verdict is not None
    assert "IDActe" in verdict[0]


@given(acte_datas)
def test_any_act_is_sent_as_validated(data: m.ActeData) -> None:
    _sent_as_validated(m.Acte(data))


_text_or_none = st.none() | latin1_text
#: mostly well-formed addresses (valid envelopes), some free text (refused ones)
_addresses = st.from_regex(r"\A[a-z0-9_-]{1,12}@[a-z0-9-]{1,12}\.fr\Z") | latin1_text
_envelopes = st.builds(
    m.EnveloppeCLMISILL,
    siren=st.from_regex(r"\A[0-9]{9}\Z"),
    departement=st.sampled_from(["028", "02A", "974", "028", "28"]),
    arrondissement=st.integers(0, 9),
    nature=st.sampled_from(["31", "32", "x"]),
    adresses_retour=st.lists(_addresses, min_size=1, max_size=3).map(tuple),
    formulaires=st.lists(
        st.builds(m.SignedFile, st.from_regex(r"\A[a-z0-9_-]{1,30}_0\.xml\Z"), _text_or_none),
        min_size=1,
        max_size=2,
    ).map(tuple),
    referent=st.none() | st.builds(m.Referent, _text_or_none, _text_or_none, _addresses),
)


@given(_envelopes)
def test_any_envelope_is_sent_as_validated(envelope: m.EnveloppeCLMISILL) -> None:
    """Valid or not (free text in addresses and names), the tree's verdict is the bytes'."""
    _sent_as_validated(envelope)
