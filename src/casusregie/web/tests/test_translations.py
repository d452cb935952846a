"""The Dutch interface is complete and the compiled catalogue matches its source.

CI runs `makemessages` before the tests, so a new English string without a Dutch translation
shows up here as untranslated and fails the build.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_dutch_catalogue_is_complete() -> None:
    po = polib.pofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:10]}"


def test_compiled_catalogue_matches_source() -> None:
    for language in ("nl", "en"):
        po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
        mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
        compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
        for entry in po.translated_entries():
            assert (entry.msgctxt, entry.msgid) in compiled, (
                f"{language}: '{entry.msgid}' is not compiled: run compilemessages"
            )
            msgstr, plural = compiled[(entry.msgctxt, entry.msgid)]
            if entry.msgid_plural:
                assert plural == entry.msgstr_plural, entry.msgid
            else:
                assert msgstr == entry.msgstr, entry.msgid
