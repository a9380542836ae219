"""Intake: from the council's document to an act ready to send, with nobody retyping it.

``text`` reads a document's text layer (and ``ocr`` its scanned pages); ``dates`` finds French
dates in prose; ``extract`` reads the act's metadata from the text, each field with where it
was found and a confidence, through its readers (``read_places``, ``read_number``,
``read_dates``, ``read_counts``, ``stamps``) and its rules (``consistency``), on the shared
vocabulary of ``reading``; ``classify`` suggests the classification from the objet against a
nomenclature; ``checks`` holds the consistency rules applied before anything is sent;
``proposal`` merges the caller's metadata with the document. All pure but ``text``/``ocr``
(files, Tesseract): the intake service, over :mod:`workflow.usecases`, ties them to
the store.
"""
