"""scripts/release_notes.py: a tag's section of the changelog, and nothing else."""

import unittest

from release_notes import notes

CHANGELOG = """# Changelog

## Unreleased

- next

## 0.2.0 (2026-12-01)

- **Added** a thing.
- Fixed another.

## v0.1.0

- First.
"""


class ReleaseNotes(unittest.TestCase):
    def test_the_tags_section_alone(self):
        self.assertEqual(notes(CHANGELOG, "v0.2.0"), "- **Added** a thing.\n- Fixed another.\n")
        self.assertEqual(notes(CHANGELOG, "v0.1.0"), "- First.\n")

    def test_a_tag_without_a_section_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "no section for v0.3.0"):
            notes(CHANGELOG, "v0.3.0")
        with self.assertRaisesRegex(ValueError, "no section"):
            notes(CHANGELOG, "v0.2")

    def test_an_empty_section_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "empty"):
            notes("## 1.0.0\n\n## 0.9.0\n- x\n", "v1.0.0")


if __name__ == "__main__":
    unittest.main()
