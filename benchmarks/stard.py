"""Retrieval on real law: STARD's layperson questions over the 民法典 and the 刑法, text only.

Run with `make stard` (or `.venv/bin/python benchmarks/stard.py`). The two laws are read
from tests/data/regulations with `corpus add`'s reader into a temporary corpus, indexed
with the configured embedder, and searched with no anticipated questions (there are none).
Recall@1/5/10 and MRR of the fused retriever beside BM25 alone and dense alone, over the
same articles. STARD's article numbers follow the versions it was built on: a gold article
whose text does not match ours is mapped to the article holding its text, or dropped, and
the counts are printed. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from assistant.app import build_assistant, rebuild_index
from assistant.search.retrieval import Mode
from assistant.settings import Settings
from assistant.text.corpus import Regulation
from assistant.text.numerals import parse_number
from assistant.text.sources import prepare, write

ROOT = Path(__file__).resolve().parent.parent
LAWS = ROOT / "tests" / "data" / "regulations" / "national"
STARD = ROOT.parent / "shared" / "benchmarks" / "stard" / "queries.civil-criminal.json"
_GOLD = re.compile(r"^中华人民共和国(民法典|刑法)第(.+?)条(之[一二三四五六七八九十])?$")
IDS = {"民法典": "civil-code", "刑法": "criminal-law"}


def _plain(text: str) -> str:
    return re.sub(r"\W", "", unicodedata.normalize("NFKC", text))


def gold_articles(query: dict, laws: dict[str, Regulation]) -> tuple[set[tuple[str, int]], str]:
    """The (regulation id, article) pairs a question's gold names, and how they were
    found: "as numbered", "mapped" (by the gold text) or "dropped"."""
    found: set[tuple[str, int]] = set()
    how = "as numbered"
    for name, text in query["相关法规"].items():
        m = _GOLD.match(name)
        if not m:
            return set(), "dropped"
        reg = laws[IDS[m.group(1)]]
        number = parse_number(m.group(2))
        want = _plain(text)[:40]
        numbers = {a.number for a in reg.articles}
        if number in numbers and (not want or want in _plain(reg.article(number).zh)):
            found.add((reg.id, number))
            continue
        holder = next((a.number for a in reg.articles if want and want in _plain(a.zh)), None)
        if holder is None:
            return set(), "dropped"
        found.add((reg.id, holder))
        how = "mapped"
    return found, how


def _recall(ranked: list[tuple[str, int]], gold: set[tuple[str, int]], k: int) -> float:
    return len(set(ranked[:k]) & gold) / min(len(gold), k)


def main() -> None:
    """Index the two laws, search every mapped question three ways, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stard", type=Path, default=STARD)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the corpus and index here between runs (the index build "
                             "then reuses its vectors); default: a temporary folder")
    args = parser.parse_args()
    if not args.stard.is_file():
        raise SystemExit(f"{args.stard}: no such file (give --stard)")
    queries = json.loads(args.stard.read_text(encoding="utf-8"))
    if args.limit:
        queries = queries[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        corpus = work / "corpus"
        for name, source in (("民法典", LAWS / "民法典"), ("刑法", LAWS / "刑法.md")):
            if not (corpus / IDS[name]).exists():
                write(prepare([source], IDS[name]), corpus)
        settings = Settings(corpus_dir=corpus, index_dir=work / "index")
        started = time.perf_counter()
        rebuild_index(settings)
        built = time.perf_counter() - started
        assistant = build_assistant(settings)
        laws = {r.id: r for r in assistant.library.regulations}
        scored, counts = [], {"as numbered": 0, "mapped": 0, "dropped": 0}
        for q in queries:
            gold, how = gold_articles(q, laws)
            counts[how] += 1
            if gold:
                scored.append((q["问题"], gold))
        modes: list[tuple[str, Mode]] = [("BM25 alone", "bm25"), ("dense alone", "dense"),
                                         ("fused (text only)", "hybrid")]
        rows = []
        for label, mode in modes:
            r1 = r5 = r10 = rr = 0.0
            for question, gold in scored:
                hits = assistant.retriever.search(question, 10, lang="zh", mode=mode,
                                                  questions=False)
                ranked = [(h.regulation, h.article) for h in hits]
                r1 += _recall(ranked, gold, 1)
                r5 += _recall(ranked, gold, 5)
                r10 += _recall(ranked, gold, 10)
                rank = next((i for i, key in enumerate(ranked, 1) if key in gold), None)
                rr += 1 / rank if rank else 0.0
            n = len(scored)
            rows.append((label, r1 / n, r5 / n, r10 / n, rr / n))
    articles = sum(len(r.articles) for r in laws.values())
    print(f"STARD, {len(queries)} questions: {counts['as numbered']} as numbered, "
          f"{counts['mapped']} mapped by their gold text, {counts['dropped']} dropped; "
          f"{len(scored)} scored over {articles} articles (index built in {built:.0f} s)\n")
    print("| retriever | Recall@1 | Recall@5 | Recall@10 | MRR@10 |")
    print("|---|---|---|---|---|")
    for label, *values in rows:
        print(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()
