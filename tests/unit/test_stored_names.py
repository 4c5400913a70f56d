"""A file leaves the service under a name its bytes decide: plain text never as a page."""

from __future__ import annotations

import mimetypes

import pytest

from dossier.services.entries import stored_name

TEXT = b"<script>alert(document.domain)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0" + bytes(20)
ACTIVE = (".html", ".htm", ".xhtml", ".svg", ".xml", ".js", ".mjs", ".shtml", ".mht", ".hta")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("page.html", TEXT, "page.html.txt"),
        ("logo.svg", SVG, "logo.svg.txt"),
        ("PAGE.HTM", TEXT, "PAGE.HTM.txt"),
        ("script.js", TEXT, "script.js.txt"),
        ("notes", TEXT, "notes.txt"),
        ("notes.txt", TEXT, "notes.txt"),
        ("NOTES.TXT", TEXT, "NOTES.TXT"),
        ("letter.pdf", PDF, "letter.pdf"),
        ("letter.html", PDF, "letter.html.pdf"),
        ("photo.svg", PNG, "photo.svg.png"),
        ("photo.png", PNG, "photo.png"),
        ("photo.jpeg", JPEG, "photo.jpeg"),
        ("photo", JPEG, "photo.jpg"),
        ("blob.html", b"\x00\x01\x02", "blob.html.bin"),
    ],
)
def test_the_bytes_decide_the_extension(name: str, content: bytes, expected: str) -> None:
    assert stored_name(name, content) == expected


@pytest.mark.parametrize("extension", ACTIVE)
@pytest.mark.parametrize("content", [TEXT, SVG])
def test_text_is_never_named_as_active_content(extension: str, content: bytes) -> None:
    name = stored_name("file" + extension, content)
    assert name.endswith(".txt")
    assert mimetypes.guess_type(name)[0] == "text/plain"
