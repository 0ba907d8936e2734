"""Command line: ``cioguard scan``, ``cioguard rules``, ``cioguard explain``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, CioguardError, UsageError
from .scan_options import add_filter_arguments, add_settings_arguments

logger = logging.getLogger("cioguard")

SCAN_FORMATS = ("concise", "full", "text", "json", "jsonl", "sarif", "github", "gitlab",
                "junit", "html")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cioguard",
        description="Find the mistakes teams make when they integrate Customer.io.",
    )
    parser.add_argument("--version", action="version", version=f"cioguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser(
        "scan",
        help="scan JS/TS and Python code for integration mistakes",
        description="Scan JS/TS and Python code for Customer.io integration mistakes.",
        epilog="Exit codes: 0 without findings, 1 with findings, 2 for a usage, "
               "configuration or internal error.",
    )
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="files or folders to scan; each folder is one project (default: .)")
    add_settings_arguments(scan)
    add_filter_arguments(scan)

    output = scan.add_argument_group("output")
    output.add_argument("--format", default=None, choices=SCAN_FORMATS,
                        help="report format; text is another name for concise "
                             "(default: concise)")
    output.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write the report to FILE instead of standard output")
    output.add_argument("--statistics", action="store_true",
                        help="add a table of finding counts per rule after the findings "
                             "(concise and full formats)")
    output.add_argument("--quiet", "-q", action="store_true",
                        help="print findings only: no summary and no warnings about "
                             "skipped files")
    output.add_argument("--verbose", "-v", action="count", default=0,
                        help="log progress to standard error; repeat (-vv) for debug detail")
    output.add_argument("--exit-zero", action="store_true",
                        help="exit with 0 even when there are findings")

    fixes = scan.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true",
                       help="apply safe fixes to the files, then report what remains")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also apply fixes that can change behaviour")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them; "
                            "exit with 1 when there is a diff")

    performance = scan.add_argument_group("performance")
    performance.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                             help="number of parser processes (default: the number of "
                                  "CPUs when there are at least 4, else 1)")
    performance.add_argument("--no-cache", action="store_true",
                             help="parse every file again instead of reusing cached facts")
    performance.add_argument("--cache-dir", type=Path, metavar="DIR",
                             help="cache folder (default: $CIOGUARD_CACHE_DIR, else "
                                  ".cioguard_cache next to the configuration file, "
                                  "else in the project root)")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="a text table, a JSON list, or the Markdown reference page "
                            "that docs/rules.md contains (default: text)")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", metavar="CODE",
                         help="rule code, such as CIO006, or rule name, such as "
                              "dynamic-event-name")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "scan":
            return command_scan(args)
        if args.command == "rules":
            return command_rules(args)
        if args.command == "explain":
            return command_explain(args)
    except CioguardError as error:
        print(f"cioguard: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("cioguard: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader closed standard output early, as `cioguard rules | head`
        # does, so the rest of the report has nowhere to go.
        _discard_standard_output()
        return EXIT_ERROR
    return EXIT_ERROR


def _discard_standard_output() -> None:
    """Point standard output at the null device.

    Python flushes standard output at exit, and a flush into the closed pipe
    would print a second BrokenPipeError.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def command_scan(args) -> int:
    from .engine import run
    from .fixes import apply_fixes
    from .progress import progress_for
    from .report import ReportContext, render
    from .rules.registry import LazyRules, known_codes
    from .scan_options import ResultFilters, load_scan_settings, settings_report

    _configure_logging(args.verbose)
    paths = args.paths or [Path(".")]
    for path in paths:
        if not path.exists():
            raise UsageError(f"path `{path}` does not exist; pass an existing file or folder")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    settings = load_scan_settings(args, paths[0], known_codes())
    if args.show_settings:
        sys.stdout.write(settings_report(settings, args))
        return EXIT_CLEAN
    rules = LazyRules(code for code in known_codes() if settings.is_enabled(code))
    filters = ResultFilters(args, paths)
    fix_options = _fix_options(args)
    progress = progress_for(sys.stderr, quiet=args.quiet, verbose=args.verbose)
    cache = _open_cache(args, settings, paths)

    def scan():
        # Filter findings in here, so that --fix only fixes reported findings.
        try:
            result, scans = run(paths, settings, rules, jobs=args.jobs, cache=cache,
                                progress=progress)
        finally:
            if progress is not None:
                progress.clear()
        filters.apply(result)
        return result, scans

    fix_report = None
    if fix_options is None:
        result, scans = scan()
    else:
        result, scans, fix_report = apply_fixes(scan, fix_options)
    if cache is not None:
        cache.save()
    if not args.quiet:
        for error in result.errors:
            # A file with a syntax error is still checked where it parses.
            action = "" if error.partial else "skipped "
            print(f"cioguard: warning: {action}{error.path}: {error.message}", file=sys.stderr)
    if result.files_scanned and not result.files_parsed and result.errors and all(
        error.path for error in result.errors
    ) and len(result.errors) >= result.files_scanned:
        print("cioguard: error: no file could be checked", file=sys.stderr)
        return EXIT_ERROR
    if fix_report is not None:
        _print_fix_notes(fix_report, args)
        if args.diff:
            _write_output(fix_report.diff, args.output)
            return EXIT_FINDINGS if fix_report.diff else EXIT_CLEAN
    if args.update_baseline:
        message = filters.write_baseline(result)
        if not args.quiet:
            print(message, file=sys.stderr)
        return EXIT_CLEAN
    fmt = args.format or "concise"
    if fmt == "text":
        fmt = "concise"
    output = render(fmt, result, ReportContext(rules=LazyRules(known_codes()),
                                               statistics=args.statistics))
    if args.quiet and fmt in ("concise", "full"):
        body = "\n".join(line for line in output.splitlines()
                         if not line.startswith(("Found", "No findings", "Checked")))
        # The summary line had a blank line before it, which goes too.
        body = body.rstrip("\n")
        output = body + "\n" if body else ""
    _write_output(output, args.output)
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_output(text: str, path: Path | None) -> None:
    if path is not None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(
                f"cannot write the report to `{path}`: {error.strerror}; "
                "check that its folder exists and is writable"
            ) from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _open_cache(args, settings, paths: list[Path]):
    from .cache import ScanCache, default_cache_dir

    if args.no_cache:
        return None
    directory = args.cache_dir or default_cache_dir(settings, paths, os.environ)
    return ScanCache(directory, settings.fingerprint())


def _fix_options(args):
    from .fixes import FixOptions

    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes only applies with --fix or --diff; add one of them")
    if not (args.fix or args.diff):
        return None
    return FixOptions(unsafe=args.unsafe_fixes, write=not args.diff)


def _print_fix_notes(report, args) -> None:
    """Print what --fix or --diff did on standard error."""
    from .report.text import plural

    for path in report.modified_since_scan:
        print(f"cioguard: warning: did not fix {path}: it changed after it was scanned; "
              "run the scan again", file=sys.stderr)
    if report.unfinished:
        print(f"cioguard: warning: fixes were still available after {report.passes} "
              "passes; run --fix again", file=sys.stderr)
    if args.quiet:
        return
    if args.diff:
        fixes = plural(report.applied, "fix", "es")
        files = plural(len(report.changed_files), "file")
        print(f"Would apply {fixes} to {files}.", file=sys.stderr)
        if report.deferred:
            print(f"{report.deferred} more overlap the fixes above; --fix applies them "
                  "in a later pass.", file=sys.stderr)
    if report.unsafe_hidden:
        fixes = plural(report.unsafe_hidden, "unsafe fix", "es")
        print(f"{fixes} not applied; add --unsafe-fixes to apply unsafe fixes too.",
              file=sys.stderr)


def command_rules(args) -> int:
    from .rules.registry import all_rules

    rules = all_rules()
    if args.format == "markdown":
        from .docs import rules_markdown

        sys.stdout.write(rules_markdown())
        return EXIT_CLEAN
    if args.format == "json":
        data = [
            {"code": r.code, "name": r.name, "severity": r.severity,
             "confidence": r.confidence, "summary": r.summary, "help_uri": r.help_uri()}
            for r in rules
        ]
        print(json.dumps(data, indent=2, sort_keys=True))
        return EXIT_CLEAN
    width = max(len(r.name) for r in rules) if rules else 10
    print(f"{'code':7} {'name':{width}} {'severity':8} summary")
    for r in rules:
        print(f"{r.code:7} {r.name:{width}} {r.severity:8} {r.summary}")
    return EXIT_CLEAN


def command_explain(args) -> int:
    from .rules.registry import all_rules

    requested = args.code.strip()
    for rule in all_rules():
        if requested.upper() == rule.code or requested.lower() == rule.name:
            print(f"{rule.code} {rule.name} ({rule.severity})\n")
            print(rule.documentation())
            return EXIT_CLEAN
    codes = ", ".join(r.code for r in all_rules())
    raise UsageError(f"unknown rule `{requested}`; known codes: {codes}")


def _configure_logging(verbosity: int) -> None:
    if verbosity == 0:
        level = logging.WARNING
    elif verbosity == 1:
        level = logging.INFO
    else:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="cioguard: %(levelname)s: %(message)s",
                        stream=sys.stderr)
    if os.environ.get("CIOGUARD_DEBUG"):
        logging.getLogger("cioguard").setLevel(logging.DEBUG)


if __name__ == "__main__":
    sys.exit(main())
