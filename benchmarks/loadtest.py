"""Load test: concurrent clients asking questions of a running server on 127.0.0.1.

Run with `make loadtest`. Starts `tiaoli serve` on a free port, warms it up,
then sends REQUESTS POST /api/ask requests from CLIENTS threads (questions from
eval/questions.jsonl, both languages), and reports errors, throughput,
latency percentiles and the server's resident memory before and after.
Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

from assistant.surfaces.launch import local_server


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    """Run the load test and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--rounds", type=int, default=2,
                        help="repeat the load; memory that grows in every round is a leak, "
                             "memory taken once by the first (thread pools) is not")
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in
                 args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    with local_server() as running:
        url, server = running.url, running.process
        with httpx.Client(timeout=60) as c:  # warm-up: every code path once
            for q in questions[:40]:
                c.post(f"{url}/api/ask", json={"question": q})
        before = rss_mb(server.pid)

        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        counter = itertools.count()

        def client(offset: int) -> None:
            with httpx.Client(timeout=120) as c:
                while (i := next(counter)) < args.requests:
                    q = questions[(i * 7 + offset) % len(questions)]
                    t0 = time.perf_counter()
                    try:
                        r = c.post(f"{url}/api/ask", json={"question": q})
                        ok = r.status_code == 200 and "citations" in r.json()
                        why = f"HTTP {r.status_code}"
                    except (httpx.HTTPError, ValueError) as exc:
                        ok, why = False, type(exc).__name__
                    with lock:
                        latencies.append((time.perf_counter() - t0) * 1000)
                        if not ok:
                            errors.append(why)

        rounds = []
        for _ in range(args.rounds):
            latencies.clear()
            failed_before = len(errors)
            counter = itertools.count()
            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(n,))
                       for n in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rounds.append((time.perf_counter() - started, list(latencies),
                           rss_mb(server.pid), len(errors) - failed_before))

    print(f"{args.requests} POST /api/ask from {args.clients} concurrent clients per round, "
          f"{len(questions)} questions in both languages, extractive answerer; server RSS "
          f"after warm-up {before:.0f} MiB\n")
    print("| round | errors | wall (s) | requests/s | p50 / p95 / p99 (ms) | RSS after (MiB) |")
    print("|---|---|---|---|---|---|")
    for n, (elapsed, lat, rss, failed) in enumerate(rounds, start=1):
        print(f"| {n} | {failed} | {elapsed:.1f} | "
              f"{args.requests / elapsed:.1f} | {statistics.median(lat):.0f} / "
              f"{pct(lat, 0.95):.0f} / {pct(lat, 0.99):.0f} | {rss:.0f} |")
    if errors:
        print("\nerrors:", ", ".join(sorted(set(errors))))
        sys.exit(1)


if __name__ == "__main__":
    main()
