#!/usr/bin/env python3
"""Prints the release notes of a tag: its section of CHANGELOG.md (`## 1.2.0` or `## v1.2.0`,
up to the next `## `). A tag without a section is an error, so that a release never goes out
with the whole changelog, or none.

usage: scripts/release_notes.py TAG [CHANGELOG]
"""

import re
import sys
from pathlib import Path


def notes(changelog: str, tag: str) -> str:
    version = tag.removeprefix("v")
    heading = re.compile(rf"^## \[?v?{re.escape(version)}\]?(\s|$)")
    lines = changelog.splitlines()
    for start, line in enumerate(lines):
        if heading.match(line):
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
            body = "\n".join(lines[start + 1 : end]).strip()
            if body:
                return body + "\n"
            raise ValueError(f"CHANGELOG.md's section {line!r} is empty")
    raise ValueError(f"CHANGELOG.md has no section for {tag} (a heading `## {version}`)")


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(sys.argv[2] if len(sys.argv) == 3 else Path(__file__).resolve().parent.parent / "CHANGELOG.md")
    try:
        sys.stdout.write(notes(path.read_text(), sys.argv[1]))
    except ValueError as err:
        print(f"release_notes: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
