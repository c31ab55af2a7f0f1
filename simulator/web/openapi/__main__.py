"""`python -m simulator.web.openapi DIR`: write the JSON Schema files into DIR."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simulator.web.openapi import schema_files


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "fixtures/schemas")
    for name, schema in schema_files().items():
        path = target / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
