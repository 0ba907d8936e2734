"""Time `cioguard scan` against the four-grep audit over the same tree.

Both commands run in this one session, alternating, after one warm-up run
each so the page cache is warm; the median of the timed runs is compared.
Timed runs are not sampled. PYTHONDONTWRITEBYTECODE is dropped from the
environment of the commands, so the warm-up run leaves compiled bytecode
behind as an installed cioguard has; otherwise every run would spend about
0.1 s compiling cioguard's modules. cioguard's peak memory comes from one more run:
the largest sum of resident memory over its process and any worker
processes, sampled every 5 ms with psutil.

    python benchmarks/bench_scan.py /path/to/tree [--runs 5] [--grep-audit FILE]

A second mode compares a cold scan with a warm-cache re-scan of the same
tree (`--cache`): the ratio is warm / cold wall time. Each round runs a
scan with --no-cache, one that fills the cache and one that reuses it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

DEFAULT_GREP_AUDIT = Path(__file__).resolve().parents[2] / "shared" / "tools" / "grep-audit"
SAMPLE_SECONDS = 0.005
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_timed(command: list[str], cwd: Path) -> float:
    """Run a command; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=ENVIRONMENT, check=False)
    return time.perf_counter() - started


def run_measured(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """Run a command; return wall seconds, peak summed RSS in bytes, exit code."""
    started = time.perf_counter()
    process = psutil.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=ENVIRONMENT)
    peak = 0
    while process.poll() is None:
        try:
            members = [process, *process.children(recursive=True)]
            total = 0
            for member in members:
                try:
                    total += member.memory_info().rss
                except psutil.Error:
                    continue
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(SAMPLE_SECONDS)
    elapsed = time.perf_counter() - started
    return elapsed, peak, process.returncode


def cioguard_command(extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "cioguard", "scan", "--quiet", "--exit-zero", *extra, "."]


def compare_with_grep(tree: Path, runs: int, grep_audit: Path) -> None:
    scan = cioguard_command(["--no-cache"])
    grep = ["bash", str(grep_audit)]
    run_timed(scan, tree)
    run_timed(grep, tree)
    scan_times, grep_times = [], []
    for _ in range(runs):
        scan_times.append(run_timed(scan, tree))
        grep_times.append(run_timed(grep, tree))
    _, peak, _ = run_measured(scan, tree)
    scan_median = statistics.median(scan_times)
    grep_median = statistics.median(grep_times)
    print(f"tree: {tree}")
    print(f"cioguard scan   median {scan_median:.3f} s over {runs} runs "
          f"(min {min(scan_times):.3f}, max {max(scan_times):.3f})")
    print(f"four-grep audit median {grep_median:.3f} s over {runs} runs "
          f"(min {min(grep_times):.3f}, max {max(grep_times):.3f})")
    print(f"ratio cioguard / grep: {scan_median / grep_median:.2f}")
    print(f"cioguard peak memory (all processes): {peak / 2**20:.1f} MB")


def compare_cache(tree: Path, runs: int) -> None:
    # The cache goes to a temporary folder, so the scanned tree is not written.
    with tempfile.TemporaryDirectory(prefix="cioguard-bench-cache-") as cache_dir:
        cached = cioguard_command(["--cache-dir", cache_dir])
        cold_times, warm_times = [], []
        for _ in range(runs):
            cold_times.append(run_timed(cioguard_command(["--no-cache"]), tree))
            run_timed(cached, tree)  # fill the cache
            warm_times.append(run_timed(cached, tree))
    cold_median = statistics.median(cold_times)
    warm_median = statistics.median(warm_times)
    print(f"tree: {tree}")
    print(f"cold scan (--no-cache) median {cold_median:.3f} s over {runs} runs")
    print(f"warm re-scan (cache)   median {warm_median:.3f} s over {runs} runs")
    print(f"ratio warm / cold: {warm_median / cold_median:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path, help="folder to scan")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--grep-audit", type=Path, default=DEFAULT_GREP_AUDIT,
                        help="the four-grep audit script (default: %(default)s)")
    parser.add_argument("--cache", action="store_true",
                        help="compare a warm-cache re-scan with a cold scan instead")
    args = parser.parse_args()
    tree = args.tree.resolve()
    if not tree.is_dir():
        parser.error(f"{tree} is not a folder")
    if args.cache:
        compare_cache(tree, args.runs)
        return 0
    if not args.grep_audit.is_file():
        parser.error(f"grep audit script not found: {args.grep_audit}; pass --grep-audit FILE")
    compare_with_grep(tree, args.runs, args.grep_audit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
