"""The one hardened XML parser for everything read from outside, and namespace helpers.

No DTD is loaded, no entity is resolved or expanded, no network is touched, and a document
that declares a DOCTYPE at all is refused: ACTES messages never need one, and refusing is
simpler to trust than defusing (billion laughs, external entities, XXE over HTTP).
"""

from __future__ import annotations

from lxml import etree

from workflow.errors import InvalidMessage

NS_ACTES = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
NS_INSEE = "http://xml.insee.fr/schema"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"actes": NS_ACTES, "insee": NS_INSEE, "xsi": NS_XSI}

#: a message larger than this is not an ACTES message (the biggest real one, a full
#: classification, is about 50 KB)
MAX_XML_BYTES = 8 * 1024 * 1024


def actes(name: str) -> str:
    """Clark name of an element or attribute in the ACTES namespace: ``{ns}name``."""
    return f"{{{NS_ACTES}}}{name}"


def insee(name: str) -> str:
    return f"{{{NS_INSEE}}}{name}"


def local_name(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _parser() -> etree.XMLParser:
    # A fresh parser each call: lxml parsers are not thread-safe to share.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes, *, source: str = "message") -> etree._Element:
    """Parse untrusted XML bytes into an element, refusing DTDs and entities.

    Raises :class:`InvalidMessage` (field = the source name) on any problem.
    """
    if len(data) > MAX_XML_BYTES:
        raise InvalidMessage(
            f"{source} is {len(data)} bytes; an ACTES message is at most {MAX_XML_BYTES}",
            field=source,
            rule=f"at most {MAX_XML_BYTES} bytes",
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidMessage(
            f"{source} is not well-formed XML: {exc}", field=source, rule="well-formed XML"
        ) from exc
    tree = root.getroottree()
    docinfo = tree.docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise InvalidMessage(
            f"{source} declares a DOCTYPE; ACTES messages never do and it is refused",
            field=source,
            rule="no DTD, no entities",
        )
    return root
