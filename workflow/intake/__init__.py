"""Intake: from the council's document to an act ready to send, with nobody retyping it.

``text`` reads a document's text layer; ``dates`` finds French dates in prose; ``extract``
reads the act's metadata from the text, each field with where it was found and a confidence;
``classify`` suggests the classification from the objet against a nomenclature; ``checks``
holds the consistency rules applied before anything is sent. All pure: the intake service in
:mod:`workflow.usecases` ties them to the store.
"""
