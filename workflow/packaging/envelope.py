"""The envelope (PROTOCOL.md §3.1) of an outbound archive: built, validated and serialised
once per collectivité, then only its message's name changes from one package to the next.

An envelope holds the collectivité's identity and return addresses, and the name of the one
message it carries (``FormulairesEnvoyes/Formulaire/NomFichier``, of schema type
``NonEmptyText``: any name but the empty one is valid there). So the envelope is built with a
placeholder name, validated against the XSD, serialised, and cut around that name; each
package's envelope is the two halves around its own message name — the very bytes the full
build gives (a test holds them equal for generated collectivités and names). A name that
the serialiser would escape (never one of ours: they are checked as flat, safe file names),
or a placeholder found elsewhere in the text, takes the full build.
"""

from __future__ import annotations

import functools

from workflow.collectivite import Collectivite
from workflow.errors import InvalidInput, SchemaViolation
from workflow.protocol import schemas, xml_out
from workflow.protocol.archive import is_safe_member_name
from workflow.protocol.messages import EnveloppeCLMISILL, Message, Referent, SignedFile

_PLACEHOLDER = "x-name-of-the-message-carried-by-this-envelope_0.xml"


def envelope_xml(collectivite: Collectivite, message_name: str, envelope_name: str) -> bytes:
    """The envelope's bytes, valid against the schema, carrying ``message_name``."""
    halves = None
    if is_safe_member_name(message_name):
        try:
            halves = _halves(envelope(collectivite, _PLACEHOLDER))
        except SchemaViolation:
            halves = None  # the full build below says what is wrong, naming the envelope
    if halves is None:
        return valid_xml(envelope(collectivite, message_name), envelope_name)
    head, tail = halves
    return head + message_name.encode("ascii") + tail


@functools.lru_cache(maxsize=512)
def _halves(template: EnveloppeCLMISILL) -> tuple[bytes, bytes] | None:
    """The template's bytes before and after its placeholder name (validated first), or
    ``None`` when the placeholder is not found exactly once."""
    parts = valid_xml(template, "envelope").split(_PLACEHOLDER.encode("ascii"))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def valid_xml(message: Message, name: str) -> bytes:
    """The message's bytes, once its tree is valid against the schema (the tree these bytes
    serialise: validating them would parse our own output again)."""
    root = xml_out.build(message)
    schemas.validate_tree(root, source=name)
    return xml_out.serialise(root)


def envelope(collectivite: Collectivite, message_name: str) -> EnveloppeCLMISILL:
    if not collectivite.emails:
        raise InvalidInput(
            f"{collectivite.name} has no return e-mail address; the préfecture needs at least "
            "one to answer (AdressesRetour)",
            field="emails",
            rule="at least one return address",
        )
    referent = collectivite.referent
    return EnveloppeCLMISILL(
        siren=collectivite.siren.value,
        departement=collectivite.departement.value,
        arrondissement=collectivite.arrondissement.value,
        nature=collectivite.nature.value,
        adresses_retour=tuple(dict.fromkeys(e.value for e in collectivite.emails)),
        formulaires=(SignedFile(message_name),),
        referent=Referent(
            referent.nom, referent.telephone, referent.email.value if referent.email else None
        )
        if referent
        else None,
    )
