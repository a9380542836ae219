"""Packaging: from an act (or an answer to the préfecture) to a named, validated ACTES archive.

Modules: :mod:`.values` (inputs, options, the package), :mod:`.objet` (the act's subject),
:mod:`.act` (the 1-1), :mod:`.messages` (the other outbound messages), :mod:`.writer` (the
archive writer they share).

The pure decisions (names, checks, XML) happen before any byte is written; documents are read
once to detect their kind and hash them, then streamed into the archive (never loaded whole).
Every XML we emit is validated against the project's XSDs before the archive is written, and
the archive is written atomically and deterministically (see :mod:`workflow.protocol.archive_out`).

Rules come from PROTOCOL.md: §2 (the act message), §3 (envelope, archive naming), §8
(signature in ``FichierSigne/Signature``), §9 (document kinds, sizes, decision date).
"""

from __future__ import annotations

from workflow.packaging.act import package_act
from workflow.packaging.messages import (
    ANSWER_CODES,
    package_answer,
    package_cancellation,
    package_classification_request,
)
from workflow.packaging.objet import TRANSLITERATION, clean_objet, objet_limit
from workflow.packaging.values import (
    ActInput,
    DocumentInput,
    Package,
    PackagedFile,
    PackagingOptions,
)

__all__ = [
    "ANSWER_CODES",
    "TRANSLITERATION",
    "ActInput",
    "DocumentInput",
    "Package",
    "PackagedFile",
    "PackagingOptions",
    "clean_objet",
    "objet_limit",
    "package_act",
    "package_answer",
    "package_cancellation",
    "package_classification_request",
]
