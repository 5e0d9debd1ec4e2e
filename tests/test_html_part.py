"""The HTML part, pure: made from the text part, it carries the same words in every template and
language, and nothing from outside becomes markup."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailflow.domain import Said
from mailflow.ops.reconcile import RestoredView
from mailflow.outbound.catalogue import LANGUAGES
from mailflow.outbound.compose import BUILTIN_TEMPLATES, FIELD_ORDER, Composer, LetterView, template_problems
from mailflow.outbound.html_part import html_part
from tests.test_one_language import COMMON, CONTEXTS, LETTER

# The emails test_one_language does not cover, with values that fill every branch.
MORE = {
    "fields_completed": {"names": FIELD_ORDER},
    "impersonation": {"intruder": "q@example.test", "agenda": "007/SM/2026", "quarantine_id": 4, "reason": "Xylo"},
    "no_reply_code": {"intruder": "q@example.test", "agenda": "007/SM/2026", "quarantine_id": 4},
    "web_sign_in": {"person": "Budi Santoso", "minutes": 20, "link": "https://surat.example.test/link/x"},
    "warnings": {"items": [{"agenda": "007/SM/2026", "intruder": "q@example.test",
                            "at": dt.datetime(2026, 12, 2, 1, 5, tzinfo=dt.UTC), "reason": "Xylo"}]},
}  # fmt: skip
EVERY = {**CONTEXTS, **MORE}
NAMES = sorted(p.name.removesuffix(".txt.j2") for p in (BUILTIN_TEMPLATES / "id").glob("[!_]*.txt.j2"))
TAGS = {"html", "body", "p", "br", "ul", "ol", "li", "table", "tr", "th", "td", "pre"}
ATTRIBUTES = {"lang", "style", "align", "cellpadding", "value"}


class Visible(HTMLParser):
    """The text a browser shows, list markers as the text part writes them ("- ", "3. "), and
    every tag and attribute the HTML holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.lists: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            self.text.append("- " if self.lists[-1] == "ul" else f"{dict(attrs)['value']}. ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            self.lists.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(html: str) -> Visible:
    parser = Visible()
    parser.feed(html)
    parser.close()
    return parser


def squeezed(text: str) -> str:
    """Text without its layout: spaces, line ends and the signature line `-- ` (grey in HTML)."""
    return "".join(w for line in text.splitlines() if line != "-- " for w in line.split())


def test_every_email_has_its_values_here() -> None:
    assert sorted(EVERY) == NAMES, "a new email needs its values in EVERY"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_the_html_part_says_what_the_text_part_says(name: str, language: str) -> None:
    rendered = Composer().render(name, language, **COMMON, **EVERY[name])
    seen = visible(rendered.html)
    assert squeezed("".join(seen.text)) == squeezed(rendered.text), f"{language}/{name}"
    assert seen.tags <= TAGS and seen.attributes <= ATTRIBUTES, f"{language}/{name}"
    assert f'<html lang="{language}">' in rendered.html


HOSTILE = '<script>alert(1)</script> <a href="https://x.example">x</a> &amp; "q" \'s\' <img src=x onerror=y>'


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_no_outside_text_becomes_markup(name: str, language: str) -> None:
    """Outside text in every value a template shows: names, subjects, reply lines, addresses."""
    letter = LetterView(LETTER.agenda_number, LETTER.tag, LETTER.received_at,
                        {**LETTER.values, "subject": HOSTILE, "sender": HOSTILE})  # fmt: skip
    values = {
        k: HOSTILE if isinstance(v, str) and k != "status_key" else v  # a code, never outside text
        for k, v in {**COMMON, **EVERY[name]}.items()
    }
    values.update(letter=letter, holder_name=HOSTILE, office=HOSTILE)
    if name == "restored":
        values["letters"] = [RestoredView("007/SM/2026", HOSTILE, "007/SM/2026", False)]
    rendered = Composer().render(name, language, **values)
    seen = visible(rendered.html)
    assert seen.tags <= TAGS and seen.attributes <= ATTRIBUTES, f"{language}/{name}"
    assert HOSTILE in "".join(seen.text), f"{language}/{name}"
    assert squeezed("".join(seen.text)) == squeezed(rendered.text)


def test_layout_is_read_from_the_text() -> None:
    text = (
        "Yth. Kabid,\n\n"
        "A sentence long enough to have been wrapped by hand in the text part of the\n"
        "email, which goes on here, and a second sentence that ends at the line's end.\n"
        "A new line.\n"
        "Nomor agenda      : 007/SM/2026\n"
        "Perihal           : Rapat: <b>penting</b>\n\n"
        "Tujuan:\n  1. Sekretaris\n  2. Kabid\n\n"
        "- first\n  - nested\n    (its reason)\n\n- after a blank line\n\n"
        "  Sekretaris: pelajari\n"
        "-- \nMailflow, Dinas <i>\nKode balasan: d1.x\n"
    )
    html = html_part(text, "id")
    assert "<p>Yth. Kabid,</p>" in html
    assert "hand in the text part of the email, which" in html  # a wrapped line runs on
    assert "line's end.<br>\nA new line." in html.replace("&#x27;", "'")
    assert '<tr><th align="left">Perihal</th><td>:</td><td>Rapat: &lt;b&gt;penting&lt;/b&gt;</td></tr>' in html
    assert '<li value="1">Sekretaris</li>' in html and '<li value="2">Kabid</li>' in html
    assert '<li style="margin-left:1.5em">nested<br>(its reason)</li>\n<li>after a blank line</li>' in html
    assert '<pre style="white-space:pre-wrap">  Sekretaris: pelajari</pre>' in html
    assert '<p style="color:#666">Mailflow, Dinas &lt;i&gt;<br>\nKode balasan: d1.x</p>' in html


def test_an_office_writes_an_email_once_and_both_parts_follow(tmp_path: Path) -> None:
    own = tmp_path / "id"
    own.mkdir()
    (own / "duplicate.txt.j2").write_text("Sudah ada: {{ letter.agenda_number }}\n\nKami punya surat ini.\n")
    (own / "held.html.j2").write_text("<p>kata lama</p>\n")
    rendered = Composer(tmp_path).render("duplicate", "id", office="Kantor", letter=LETTER)
    assert rendered.subject == "Sudah ada: 007/SM/2026"
    assert rendered.text == "Kami punya surat ini.\n" and "<p>Kami punya surat ini.</p>" in rendered.html
    assert "kata lama" not in Composer(tmp_path).render("held", "id", **COMMON, **EVERY["held"]).html
    assert template_problems(tmp_path) == [
        f"{own / 'held.html.j2'}: not read: an email's HTML part is made from its held.txt.j2"
    ]


def test_said_values_keep_their_words_in_both_parts() -> None:
    rendered = Composer().render(
        "request", "en", **{**COMMON, **EVERY["request"], "attachment_note": Said.of("scan.none")}
    )
    note = Composer().say("en", Said.of("scan.none"))
    assert note in rendered.text and note in "".join(visible(rendered.html).text)


def test_an_office_email_that_does_not_parse_goes_out_in_the_builtin_words(tmp_path: Path, caplog) -> None:
    own = tmp_path / "id"
    own.mkdir()
    (own / "duplicate.txt.j2").write_text("Sudah ada {% if %}\n\nx\n")
    rendered = Composer(tmp_path).render("duplicate", "id", office="Kantor", letter=LETTER)
    assert rendered == Composer().render("duplicate", "id", office="Kantor", letter=LETTER)
    assert any(f"files={own / 'duplicate.txt.j2'}" in r.getMessage() for r in caplog.records)
