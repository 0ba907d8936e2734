"""Vue and Svelte single-file components: the code in their ``<script>`` blocks.

Everything outside the script blocks is replaced by spaces, keeping every
newline, so the JavaScript or TypeScript parser reads the script code at its
real lines and columns, and findings point into the component file.
"""

from __future__ import annotations

import re

SCRIPT_BLOCK = re.compile(
    rb"<script\b(?P<attributes>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S
)
TYPESCRIPT_LANG = re.compile(rb"""\blang\s*=\s*["']?(ts|tsx|typescript)\b""", re.I)
BLANKABLE = re.compile(rb"[^\n]")


def script_source(source: bytes) -> tuple[bytes, str]:
    """Return the component with only its script code kept, and that code's language."""
    script_only = bytearray(BLANKABLE.sub(b" ", source))
    language = "javascript"
    for match in SCRIPT_BLOCK.finditer(source):
        start, end = match.span("body")
        script_only[start:end] = source[start:end]
        if TYPESCRIPT_LANG.search(match.group("attributes")):
            language = "typescript"
    return bytes(script_only), language
