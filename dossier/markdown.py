"""Markdown to safe HTML: no raw HTML, no scripts, no javascript: links, no outside images.
Pure, and shared by the pages and the export."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _image_as_text(
    _renderer: object, tokens: Sequence[Token], idx: int, _options: object, _env: object
) -> str:
    """An image would make the reader's browser fetch from elsewhere: show its description."""
    return escape(tokens[idx].content or "")


_RENDERER.add_render_rule("image", _image_as_text)


def render(text: str) -> str:
    return _RENDERER.render(text)
