"""Load test: concurrent clients asking questions of a running server on 127.0.0.1.

Run with `make loadtest`. Starts `tiaoli serve` on a free port, warms it up,
then sends REQUESTS POST /api/ask requests from CLIENTS threads (questions from
eval/questions.jsonl, both languages), and reports errors, throughput,
latency percentiles and the server's resident memory before and after.
Then two noisy-neighbour rounds of NOISY_SECONDS each: short questions from 16
clients alone, then beside 8 clients sending 2,000-character questions and
history-stuffed follow-ups; it reports the short questions' p50/p95 in each and
the noisy requests by HTTP status. Exits 1 if any request of the main rounds, or
any short question, failed.
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
from typing import Any

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
    parser.add_argument("--noisy-seconds", type=float, default=30,
                        help="length of each of the two noisy-neighbour rounds (0: skip them)")
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

        noisy = (neighbours(url, questions, args.noisy_seconds) if args.noisy_seconds > 0
                 else None)

    print(f"{args.requests} POST /api/ask from {args.clients} concurrent clients per round, "
          f"{len(questions)} questions in both languages, extractive answerer; server RSS "
          f"after warm-up {before:.0f} MiB\n")
    print("| round | errors | wall (s) | requests/s | p50 / p95 / p99 (ms) | RSS after (MiB) |")
    print("|---|---|---|---|---|---|")
    for n, (elapsed, lat, rss, failed) in enumerate(rounds, start=1):
        print(f"| {n} | {failed} | {elapsed:.1f} | "
              f"{args.requests / elapsed:.1f} | {statistics.median(lat):.0f} / "
              f"{pct(lat, 0.95):.0f} / {pct(lat, 0.99):.0f} | {rss:.0f} |")
    if noisy is not None:
        print(noisy["table"])
    if errors or (noisy is not None and noisy["short_errors"]):
        print("\nerrors:", ", ".join(sorted(set(errors + (noisy or {}).get("short_errors", [])))))
        sys.exit(1)


#: The noisy-neighbour rounds: this many clients ask short questions, and in the second
#: round this many more send 2,000-character questions and history-stuffed follow-ups.
QUIET_CLIENTS = 16
NOISY_CLIENTS = 8


def neighbours(url: str, questions: list[str], seconds: float) -> dict[str, Any]:
    """Short questions' latency without and then with noisy clients beside them, and how
    the noisy requests were answered (by HTTP status)."""
    long_question = ""
    for q in itertools.cycle(questions):  # a real-looking 2,000-character question
        if len(long_question) + len(q) > 1990:
            break
        long_question += q
    stuffed = {"question": "那土地呢？",
               "history": [{"role": "user", "content": "企业融资有什么支持？" * 790}]}
    noisy_bodies = [{"question": long_question}, stuffed]

    def run(noisy: bool) -> tuple[list[float], list[str], dict[int, int]]:
        stop = threading.Event()
        lock = threading.Lock()
        short: list[float] = []
        failures: list[str] = []
        statuses: dict[int, int] = {}

        def quiet_client(offset: int) -> None:
            with httpx.Client(timeout=120) as c:
                i = offset
                while not stop.is_set():
                    q = questions[(i * 7) % len(questions)]
                    i += QUIET_CLIENTS
                    t0 = time.perf_counter()
                    try:
                        r = c.post(f"{url}/api/ask", json={"question": q})
                        why = "" if r.status_code == 200 else f"short: HTTP {r.status_code}"
                    except httpx.HTTPError as exc:
                        why = f"short: {type(exc).__name__}"
                    with lock:
                        short.append((time.perf_counter() - t0) * 1000)
                        if why:
                            failures.append(why)

        def noisy_client(offset: int) -> None:
            with httpx.Client(timeout=120) as c:
                while not stop.is_set():
                    try:
                        code = c.post(f"{url}/api/ask",
                                      json=noisy_bodies[offset % 2]).status_code
                    except httpx.HTTPError:
                        code = 0
                    with lock:
                        statuses[code] = statuses.get(code, 0) + 1

        threads = [threading.Thread(target=quiet_client, args=(n,))
                   for n in range(QUIET_CLIENTS)]
        if noisy:
            threads += [threading.Thread(target=noisy_client, args=(n,))
                        for n in range(NOISY_CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        return short, failures, statuses

    quiet, quiet_failed, _ = run(False)
    loud, loud_failed, statuses = run(True)
    ratio = pct(loud, 0.95) / pct(quiet, 0.95)
    rows = [f"\nNoisy neighbours: {QUIET_CLIENTS} clients ask short questions for {seconds:.0f} s;"
            f" in the second round {NOISY_CLIENTS} more send 2,000-character questions and "
            "follow-ups with a 7,900-character turn\n",
            "| round | short questions | p50 / p95 (ms) | noisy requests by status |",
            "|---|---|---|---|",
            f"| quiet | {len(quiet)} | {statistics.median(quiet):.0f} / {pct(quiet, 0.95):.0f} |"
            " — |",
            f"| noisy | {len(loud)} | {statistics.median(loud):.0f} / {pct(loud, 0.95):.0f} | "
            + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + " |",
            f"\nshort questions' p95, noisy / quiet: {ratio:.2f}"]
    return {"table": "\n".join(rows), "ratio": ratio,
            "short_errors": quiet_failed + loud_failed}


if __name__ == "__main__":
    main()
