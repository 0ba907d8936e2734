"""Vue and Svelte components: only <script> code is parsed, at its real position."""

from cioguard.extract.components import script_source

COMPONENT = b"""<template>
  <p>{{ track('not code') }}</p>
</template>
<script lang="ts">
const a = 1;
</script>
<style>p { color: red; }</style>
"""


def test_script_kept_at_its_position():
    blanked, language = script_source(COMPONENT)
    assert language == "typescript"
    assert len(blanked) == len(COMPONENT)
    assert blanked.count(b"\n") == COMPONENT.count(b"\n")
    assert blanked.split(b"\n")[4] == b"const a = 1;"


def test_template_and_style_blanked():
    blanked, _ = script_source(COMPONENT)
    assert b"track" not in blanked
    assert b"color" not in blanked


def test_plain_script_is_javascript():
    _, language = script_source(b"<script>\nlet x = 1;\n</script>\n")
    assert language == "javascript"
