"""Render a :class:`Digest` as the Hugo markdown post of the reference digests.

Does NOT decide content: titles and summaries arrive finished; this stage only escapes them
so that post text cannot break the layout, inject a link or raw HTML.
"""

from aidigest.render.hugo import escape_inline, render_digest

__all__ = ["escape_inline", "render_digest"]
