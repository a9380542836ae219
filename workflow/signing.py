"""Signing port: detached CMS/PKCS#7 signatures over the exact bytes that are packaged.

PROTOCOL.md §8: the platform accepts a detached PKCS#7/CMS signature next to each document
(``acte_pdf_file_sign``, the ``Signature`` element of ``FichierSigne``).
"""

from __future__ import annotations

import base64
import hashlib
import textwrap
from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True, slots=True)
class DetachedSignature:
    """A detached CMS ``SignedData`` (DER) over one document."""

    der: bytes

    @property
    def pem(self) -> str:
        body = "\n".join(textwrap.wrap(base64.b64encode(self.der).decode("ascii"), 64))
        return f"-----BEGIN PKCS7-----\n{body}\n-----END PKCS7-----\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


class Signer(Protocol):
    """Signs a document's bytes, read from a stream (never loaded whole twice)."""

    def sign_detached(self, content: BinaryIO) -> DetachedSignature: ...
