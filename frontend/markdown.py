"""Model cards as HTML: Markdown (Python-Markdown, tables) rendered, then sanitized by nh3 to an allow-list."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a", "br", "hr",
}  # fmt: skip


def markdown_html(text: str) -> SafeString:
    """Safe HTML: a card's text comes from keywords and campaign names that anyone with admin rights typed."""
    html = markdown_lib.markdown(text, extensions=["tables"], output_format="html")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"}))
