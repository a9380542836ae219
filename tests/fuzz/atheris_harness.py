"""Coverage-guided fuzzing of the parsers of outside input with atheris (libFuzzer), by hand.

    .venv/bin/python -m tests.fuzz.atheris_harness TARGET [libFuzzer options]
    .venv/bin/python -m tests.fuzz.atheris_harness archive -max_total_time=3600 -rss_limit_mb=1024

TARGET is one of ``tests/fuzz/targets.py``'s (inbound_message, archive, identifiers,
pdf_intake, text_intake, api_metadata). The valid seeds are written to a fresh corpus
directory (printed) unless a corpus directory is given. A crash is any exception other than
the project's own (``ActesError``), or a hang/out-of-memory past libFuzzer's limits; libFuzzer
writes the input that caused it to ``crash-…`` in the current directory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["workflow"]):
    from tests.fuzz.targets import TARGETS, run, seeds


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: {argv[0]} {{{','.join(sorted(TARGETS))}}} [libFuzzer options]")
    name, options = argv[1], argv[2:]
    target = TARGETS[name]
    if not any(not option.startswith("-") for option in options):
        corpus = Path(tempfile.mkdtemp(prefix=f"actes-fuzz-{name}-"))
        for index, seed in enumerate(seeds()[name]):
            (corpus / f"seed-{index}").write_bytes(seed)
        print(f"corpus: {corpus}", file=sys.stderr)
        options.append(str(corpus))

    def one_input(data: bytes) -> None:
        run(target, data)

    atheris.Setup([argv[0], *options], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
