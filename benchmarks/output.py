"""How a benchmark script hands over its result: one JSON line on stdout (for `make bench`
and pipes) and, with `--out`, the same result indented in a file."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def emit(result: dict, out: Path | None) -> None:
    if out:
        out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    sys.stdout.write(json.dumps(result) + "\n")
