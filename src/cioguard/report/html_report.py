"""The ``html`` format: one self-contained page for code reviewers.

The page shows totals, bar charts of findings by rule and by file, a
sortable and filterable table of findings with their source excerpts, the
documentation of each rule that fired, and the files that could not be
checked. Styles, charts and script are inline, and every value from the run
passes through ``html.escape``. The table filter state lives in the URL
fragment (``#rule=CIO002&severity=error,warning&q=text&path=app.js``), so a
filtered view can be linked.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from ..model import SEVERITIES, RunResult
from .base import ReportContext, Reporter
from .html_assets import SCRIPT, STYLESHEET
from .prepared import ExcerptLine, PreparedFinding, PreparedRun, prepare
from .text import plural

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
MAX_CHART_ROWS = 10
CHART_LABEL_CHARS = 40
CONFIDENCE_LEVELS = {"high": 3, "medium": 2, "low": 1}
SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Info"}

SHIELD_ICON = (
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" '
    'd="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm-1.2 14.2-3.5-3.5 '
    '1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3z"/></svg>'
)


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def inline_markup(text: str) -> str:
    """Escape text, then render `code` spans, **bold** and http(s) links."""
    escaped = escape(text)
    # As in CommonMark, a span opened by a run of N backticks closes at the
    # next run of exactly N, so ``a `b` c`` keeps its inner backticks.
    escaped = re.sub(r"(`+)(.+?)(?<!`)\1(?!`)", r"<code>\2</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(
        r"\[([^\]]+)\]\((https?://[^)\s]+)\)",
        r'<a href="\2" rel="noopener noreferrer">\1</a>',
        escaped,
    )


def code_block(lines: list[str]) -> str:
    return "<pre><code>" + escape("\n".join(lines)) + "</code></pre>"


def markdown_html(text: str) -> str:
    """Render the subset of Markdown that rule documentation uses: headings,
    paragraphs, bullet lists and fenced code blocks."""
    output: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if paragraph:
            output.append(f"<p>{inline_markup(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            output.append(
                "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
            )
            items.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if code is None:
                flush()
                code = []
            else:
                output.append(code_block(code))
                code = None
            continue
        if code is not None:
            code.append(line)
            continue
        heading = re.match(r"#{1,6}\s+(.*)", line)
        item = re.match(r"\s*[-*]\s+(.*)", line)
        if heading:
            flush()
            output.append(f"<h4>{inline_markup(heading.group(1))}</h4>")
        elif item:
            if paragraph:
                flush()
            items.append(inline_markup(item.group(1)))
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            paragraph.append(line.strip())
    if code is not None:  # an unclosed fence runs to the end
        output.append(code_block(code))
    flush()
    return "\n".join(output)


def shorten(label: str, width: int = CHART_LABEL_CHARS) -> str:
    """Cut a long label in the middle, keeping both of its ends."""
    if len(label) <= width:
        return label
    head = (width - 1) // 3
    tail = width - 1 - head
    return label[:head] + "\N{HORIZONTAL ELLIPSIS}" + label[-tail:]


def path_labels(paths: list[str]) -> dict[str, str]:
    """Label each path by its shortest trailing segments that no other path shares."""
    parts = {path: path.split("/") for path in paths}
    depth = {path: 1 for path in paths}
    while True:
        labels = {path: "/".join(parts[path][-depth[path] :]) for path in paths}
        seen: dict[str, list[str]] = {}
        for path, label in labels.items():
            seen.setdefault(label, []).append(path)
        clashes = [p for group in seen.values() if len(group) > 1 for p in group]
        growable = [p for p in clashes if depth[p] < len(parts[p])]
        if not growable:
            return labels
        for path in growable:
            depth[path] += 1


@dataclass
class ChartRow:
    """One bar: the filter value, its label and its counts per severity."""

    value: str
    label: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        parts = [f"{self.counts[s]} {s}" for s in SEVERITIES if self.counts[s]]
        return f"{self.value}: {', '.join(parts)}"


def chart_rows(findings: list[PreparedFinding], key: str) -> list[ChartRow]:
    """Group findings by ``rule`` or ``path``, most findings first."""
    rows: dict[str, ChartRow] = {}
    for finding in findings:
        value = getattr(finding, key)
        label = f"{finding.rule} {finding.name}" if key == "rule" else finding.path
        row = rows.setdefault(value, ChartRow(value, label))
        row.counts[finding.severity] += 1
    return sorted(rows.values(), key=lambda row: (-row.total, row.value))


def bar_chart(rows: list[ChartRow], filter_key: str, caption: str, note: str) -> str:
    """Draw a horizontal bar chart as inline SVG, stacked by severity.

    Clicking a bar filters the table on ``filter_key`` (``rule`` or
    ``path``) equal to the row's value.
    """
    label_width, bar_width, row_height = 300, 220, 28
    width = label_width + bar_width + 40
    height = row_height * len(rows) + 4
    largest = max(row.total for row in rows)
    parts = []
    for index, row in enumerate(rows):
        top = index * row_height + 2
        segments = []
        left = float(label_width)
        for severity in SEVERITIES:
            if not row.counts[severity]:
                continue
            length = max(2.0, bar_width * row.counts[severity] / largest)
            segments.append(
                f'<rect class="fill sev-{severity}" x="{left:.1f}" y="{top + 6}" '
                f'width="{length:.1f}" height="16"/>'
            )
            left += length
        description = escape(row.describe())
        clip = f"round-{filter_key}-{index}"  # rounds the ends of the stacked bar
        parts.append(
            f'<g class="bar" data-filter="{filter_key}" '
            f'data-value="{escape(row.value)}" tabindex="0" role="button" '
            f'aria-label="{description}">'
            f"<title>{description}</title>"
            f'<text class="label" x="{label_width - 10}" y="{top + 18}" '
            f'text-anchor="end">{escape(shorten(row.label))}</text>'
            f'<rect class="track" x="{label_width}" y="{top + 6}" width="{bar_width}" '
            'height="16" rx="4"/>'
            f'<g clip-path="url(#{clip})">{"".join(segments)}</g>'
            f'<clipPath id="{clip}"><rect x="{label_width}" y="{top + 6}" '
            f'width="{left - label_width:.1f}" height="16" rx="4"/></clipPath>'
            f'<text class="count" x="{label_width + bar_width + 8}" y="{top + 18}">'
            f"{row.total}</text></g>"
        )
    return (
        f'<figure class="panel chart"><figcaption>{escape(caption)}'
        f"<small>{escape(note)}</small></figcaption>"
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(caption)}">{"".join(parts)}</svg></figure>'
    )


def charts_section(run: PreparedRun) -> str:
    by_rule = chart_rows(run.findings, "rule")
    files = chart_rows(run.findings, "path")
    by_path = files[:MAX_CHART_ROWS]
    labels = path_labels([row.value for row in by_path])
    for row in by_path:
        row.label = labels[row.value]
    return (
        '<section class="charts">'
        + bar_chart(
            by_rule[:MAX_CHART_ROWS], "rule", "Findings by rule", _note(by_rule)
        )
        + bar_chart(by_path, "path", "Findings by file", _note(files))
        + "</section>"
    )


def _note(rows: list[ChartRow]) -> str:
    if len(rows) > MAX_CHART_ROWS:
        return f"top {MAX_CHART_ROWS} of {len(rows)}, click a bar to filter"
    return "click a bar to filter"


def header_section(run: PreparedRun) -> str:
    meta = [
        f"{plural(run.files_scanned, 'file')} scanned",
        f"{run.files_parsed} parsed",
        f"{run.duration_s:.2f} s",
    ]
    if run.suppressed:
        meta.append(f"{run.suppressed} suppressed")
    if run.baseline_matched:
        meta.append(f"{run.baseline_matched} matched the baseline")
    failed = sum(1 for error in run.errors if not error.partial)
    if failed:
        meta.append(f"{failed} could not be checked")
    if len(run.errors) > failed:
        meta.append(f"{len(run.errors) - failed} with syntax errors checked in part")
    spans = "".join(f"<span>{escape(item)}</span>" for item in meta)
    return (
        '<header class="top"><div class="wrap">'
        f'<div class="brand">{SHIELD_ICON}cioguard'
        f'<span class="version">{escape(run.context.version)}</span></div>'
        "<h1>Customer.io integration report</h1>"
        f'<p class="meta">{spans}</p></div></header>'
    )


def cards_section(run: PreparedRun) -> str:
    counts = run.by_severity()
    rules = len({f.rule for f in run.findings})
    files = len({f.path for f in run.findings})
    details = [f"{plural(rules, 'rule')} in {plural(files, 'file')}"] if run.findings else []
    details.extend(_hidden_counts(run))
    cards = [_card("Findings", len(run.findings), ", ".join(details), "")]
    for severity in SEVERITIES:
        count = counts.get(severity, 0)
        classes = f"sev sev-{severity}" + ("" if count else " zero")
        cards.append(_card(SEVERITY_TITLES[severity], count, "", classes))
    checked = f"{run.files_parsed} parsed"
    failed = sum(1 for error in run.errors if not error.partial)
    if failed:
        checked += f", {failed} failed"
    cards.append(_card("Files scanned", run.files_scanned, checked, ""))
    cards.append(_card("Duration", f"{run.duration_s:.2f}s", "", ""))
    return f'<section class="cards" aria-label="Totals">{"".join(cards)}</section>'


def _hidden_counts(run: PreparedRun) -> list[str]:
    """Describe the findings that suppressions and the baseline keep out of the report."""
    hidden = []
    if run.suppressed:
        hidden.append(f"{run.suppressed} suppressed")
    if run.baseline_matched:
        hidden.append(f"{run.baseline_matched} matched the baseline")
    return hidden


def _card(label: str, value: object, detail: str, classes: str) -> str:
    detail_html = f'<div class="detail">{escape(detail)}</div>' if detail else ""
    return (
        f'<div class="card {classes}"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>{detail_html}</div>'
    )


def excerpt_html(excerpt: list[ExcerptLine]) -> str:
    rows = []
    for line in excerpt:
        number = "\N{VERTICAL ELLIPSIS}" if line.number is None else str(line.number)
        if line.mark is None:
            code = escape(line.text)
        else:
            start, stop = line.mark
            marked = escape(line.text[start:stop])
            css = ' class="empty"' if start == stop else ""
            code = (
                escape(line.text[:start])
                + f"<mark{css}>{marked}</mark>"
                + escape(line.text[stop:])
            )
        hit = " hit" if line.mark is not None else ""
        rows.append(
            f'<span class="row{hit}"><span class="ln">{number}</span>{code}</span>'
        )
    return f'<pre class="excerpt">{"".join(rows)}</pre>'


def confidence_html(confidence: str) -> str:
    level = CONFIDENCE_LEVELS.get(confidence, 0)
    bars = "".join('<i class="on"></i>' if i < level else "<i></i>" for i in range(3))
    label = escape(confidence)
    return (
        f'<span class="conf" title="{label} confidence">{bars}'
        f"<span>{label}</span></span>"
    )


def finding_row(finding: PreparedFinding, index: int) -> str:
    position = finding.position
    rule = escape(finding.rule)
    searchable = " ".join(
        (finding.rule, finding.name, finding.path, finding.message, finding.hint)
    ).lower()
    attributes = {
        "id": f"finding-{index}",
        "class": "finding",
        "data-severity": finding.severity,
        "data-confidence": finding.confidence,
        "data-rule": finding.rule,
        "data-path": finding.path,
        "data-line": str(position.line),
        "data-column": str(position.column),
        "data-search": searchable,
    }
    rendered = " ".join(f'{key}="{escape(value)}"' for key, value in attributes.items())
    details = []
    if finding.hint:
        details.append(
            f'<div class="hint"><b>Hint</b>{inline_markup(finding.hint)}</div>'
        )
    if finding.fix is not None:
        fix = finding.fix
        details.append(
            f'<div class="fix"><b>Fix ({escape(fix.applicability)})</b>'
            f"{inline_markup(fix.message)}</div>"
        )
    excerpt = finding.excerpt()
    if excerpt:
        details.append(
            '<details class="source"><summary>Source</summary>'
            f"{excerpt_html(excerpt)}</details>"
        )
    return (
        f"<tr {rendered}>"
        f'<td class="sev-cell"><span class="badge sev-{escape(finding.severity)}">'
        f"{escape(finding.severity)}</span></td>"
        f'<td class="conf-cell">{confidence_html(finding.confidence)}</td>'
        f'<td class="rule-cell"><a class="rule-code" href="#rule-{rule}">{rule}</a>'
        f'<div class="rule-name">{escape(finding.name)}</div></td>'
        f'<td class="loc-cell"><code>{escape(finding.path).replace("/", "/<wbr>")}'
        '<span class="pos">'
        f":{position.line}:{position.column}</span></code></td>"
        f'<td class="msg-cell"><div class="message">{inline_markup(finding.message)}'
        f"</div>{''.join(details)}</td></tr>"
    )


def toolbar_html(run: PreparedRun) -> str:
    counts = run.by_severity()
    toggles = []
    for severity in SEVERITIES:
        count = counts.get(severity, 0)
        disabled = "" if count else " disabled"
        toggles.append(
            f'<button type="button" class="toggle sev-{severity}" '
            f'data-severity="{severity}" aria-pressed="true"{disabled}>'
            '<span class="dot"></span>'
            f"{SEVERITY_TITLES[severity]} {count}</button>"
        )
    options = "".join(
        f'<option value="{escape(row.code)}">{escape(row.code)} {escape(row.name)} '
        f"({row.count})</option>"
        for row in sorted(run.by_rule(), key=lambda row: row.code)
    )
    return (
        '<div class="toolbar">'
        '<input type="search" id="filter-text" aria-label="Filter findings" '
        'placeholder="Filter by text, path or rule">'
        f"{''.join(toggles)}"
        '<select id="filter-rule" aria-label="Rule">'
        f'<option value="">All rules</option>{options}</select>'
        '<button type="button" class="chip" id="filter-path" '
        'title="Clear the file filter" hidden></button>'
        '<button type="button" class="link-button" id="reset">Reset</button>'
        f'<span class="shown" id="shown">Showing {len(run.findings)} of '
        f"{len(run.findings)}</span></div>"
    )


def findings_section(run: PreparedRun) -> str:
    total = len(run.findings)
    rows = "".join(
        finding_row(finding, index) for index, finding in enumerate(run.findings)
    )
    return (
        f'<section><h2>Findings <span class="count">{total}</span></h2>'
        f'<div class="panel">{toolbar_html(run)}'
        f'<table class="findings" id="findings" data-visible="{total}">'
        '<colgroup><col class="sev-col"><col class="conf-col"><col class="rule-col">'
        '<col class="loc-col"><col></colgroup><thead><tr>'
        '<th data-sort="severity" scope="col">Severity</th>'
        '<th data-sort="confidence" scope="col">Confidence</th>'
        '<th data-sort="rule" scope="col">Rule</th>'
        '<th data-sort="location" scope="col">Location</th>'
        '<th scope="col">Finding</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        '<div class="empty-state" id="no-match" hidden>'
        "No finding matches the filters.</div>"
        "</div></section>"
    )


def empty_section(run: PreparedRun) -> str:
    checked = f"cioguard checked {plural(run.files_scanned, 'file')}"
    hidden = _hidden_counts(run)
    if hidden:
        # Accepted findings are still mistakes, so the page must not claim there are none.
        title = "No new findings"
        text = f"{checked} and found nothing new ({', '.join(hidden)})."
    else:
        title = "No findings"
        text = f"{checked} and found no Customer.io integration mistakes."
    return (
        '<section class="panel empty-state">'
        f"{SHIELD_ICON}<h3>{escape(title)}</h3><p>{escape(text)}</p></section>"
    )


def rule_card(run: PreparedRun, code: str, name: str, count: int, severity: str) -> str:
    rule = run.rule(code)
    summary = run.redactor(rule.summary) if rule is not None else ""
    links = [f'<a href="#findings" data-show-rule="{escape(code)}">Show findings</a>']
    documentation = ""
    if rule is not None:
        links.append(
            f'<a href="{escape(rule.help_uri())}" rel="noopener noreferrer" '
            'target="_blank">Documentation</a>'
        )
        documentation = (
            "<details><summary>Rule documentation</summary>"
            '<div class="doc">'
            f"{markdown_html(run.redactor(rule.documentation()))}</div>"
            "</details>"
        )
    noun = "finding" if count == 1 else "findings"
    return (
        f'<article class="panel rule-card" id="rule-{escape(code)}"><header>'
        f'<span class="badge sev-{escape(severity)}">{escape(severity)}</span>'
        f'<span class="rule-code">{escape(code)}</span>'
        f'<span class="rule-count">{count} {noun}</span></header>'
        f"<h3>{escape(name)}</h3>"
        f'<p class="rule-summary">{inline_markup(summary)}</p>'
        f'<div class="rule-links">{"".join(links)}</div>{documentation}</article>'
    )


def rules_section(run: PreparedRun) -> str:
    rows = sorted(run.by_rule(), key=lambda row: row.code)
    cards = "".join(
        rule_card(run, row.code, row.name, row.count, row.severity) for row in rows
    )
    return (
        f'<section><h2>Rules <span class="count">{len(rows)}</span></h2>'
        f'<div class="rules">{cards}</div></section>'
    )


def errors_section(run: PreparedRun) -> str:
    if not run.errors:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(error.path)}</code></td>"
        f"<td>{escape(error.message)}</td></tr>"
        for error in run.errors
    )
    return (
        "<section><h2>Files not fully checked "
        f'<span class="count">{len(run.errors)}</span></h2>'
        '<div class="panel"><table class="errors"><thead><tr><th scope="col">File</th>'
        f'<th scope="col">Problem</th></tr></thead><tbody>{rows}</tbody></table></div>'
        "</section>"
    )


def page(run: PreparedRun) -> str:
    if run.findings:
        body = charts_section(run) + findings_section(run) + rules_section(run)
    else:
        body = empty_section(run)
    title = f"cioguard: {plural(len(run.findings), 'finding')}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLESHEET}</style></head>"
        f"<body>{header_section(run)}"
        f'<main class="wrap">{cards_section(run)}{body}{errors_section(run)}</main>'
        f'<footer class="wrap">Generated by cioguard {escape(run.context.version)}. '
        "Lines and columns are one-based, and columns count Unicode code points."
        "</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


class HtmlReporter(Reporter):
    format_name = "html"

    def render(self, result: RunResult, context: ReportContext) -> str:
        return page(prepare(result, context))
