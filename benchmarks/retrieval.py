"""Retrieval latency and index build time, as medians of repeated runs.

Run with `make bench`. Prints a Markdown table to paste into docs/benchmarks.md.
Figures from a shared 2-core machine are noisy: compare ratios measured side by
side in one run, not numbers across runs.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from assistant.app import build_assistant, rebuild_index
from assistant.evaluation import load_questions
from assistant.search.retrieval import dense_query, normalize
from assistant.settings import Settings


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    """Time retrieval over the question set and a few index builds; print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    parser.add_argument("--builds", type=int, default=3, help="index builds to time")
    args = parser.parse_args()

    settings = Settings()
    started = time.perf_counter()
    assistant = build_assistant(settings)
    startup = time.perf_counter() - started
    retriever = assistant.retriever
    questions = load_questions(args.questions)

    for q in questions[:5]:  # warm-up
        retriever.search(q.question, 5, lang=q.lang)  # type: ignore[arg-type]
    total: list[float] = []
    embed: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter()
            assistant.embeddings.encode([dense_query(normalize(q.question))], query=True)
            t1 = time.perf_counter()
            retriever.search(q.question, 5, lang=q.lang)  # type: ignore[arg-type]
            t2 = time.perf_counter()
            embed.append((t1 - t0) * 1000)
            total.append((t2 - t1) * 1000)

    builds: list[float] = []
    for _ in range(args.builds):
        with tempfile.TemporaryDirectory() as tmp:
            s = Settings(index_dir=Path(tmp))
            t0 = time.perf_counter()
            rebuild_index(s, embeddings=assistant.embeddings)
            builds.append(time.perf_counter() - t0)

    rest = [t - e for t, e in zip(total, embed, strict=True)]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}; {len(questions)} questions x {args.rounds} rounds; "
          f"start-up (load corpus, index, jieba) {startup:.2f} s\n")
    print("| measure | p50 | p95 |")
    print("|---|---|---|")
    print(f"| retrieval per query, hybrid (ms) | {statistics.median(total):.1f} | "
          f"{pct(total, 0.95):.1f} |")
    print(f"| of which: query embedding alone (ms) | {statistics.median(embed):.1f} | "
          f"{pct(embed, 0.95):.1f} |")
    print(f"| retrieval minus embedding (ms) | {statistics.median(rest):.1f} | "
          f"{pct(rest, 0.95):.1f} |")
    print(f"| index build, {len(retriever.chunks)} chunks (s), median of {args.builds} | "
          f"{statistics.median(builds):.1f} | {max(builds):.1f} (max) |")


if __name__ == "__main__":
    main()
