"""Scale: synthetic corpora of 1,000 and 10,000 articles, and the FAISS index crossover.

Run with `make bench` (after the retrieval benchmark) or alone:
`python benchmarks/scale.py [--sizes 1000:50,10000:500] [--planted 200]`.

Each synthetic corpus recombines the bundled regulation's paragraphs (Chinese
and English together) into articles of one to three paragraphs, spread over
pseudo-regulations of 20 articles each. Into some articles we plant one
paragraph that exists nowhere else: a city, an industry and an instrument
drawn from short lists ("青川市设立海洋装备产业引导基金，由市财政部门负责管理。").
The planted questions ask about one such paragraph, in Chinese and in
English; the other planted paragraphs share its city, its industry or its
instrument, so lexical and dense matching must both be right. Recall is
measured at the article level, keyed by (regulation, article).

Everything goes through the real pipeline: chunking, the e5-small embedder,
`build_index` (each distinct text embedded once), `HybridRetriever`.
Then, on points made from the distinct chunk vectors of the last corpus (up
to a million), it times exact (flat) search against HNSW as the retriever
runs them, and reports how often HNSW finds the exact nearest vector and its
recall of the exact top 10: the numbers behind `store.FLAT_MAX_VECTORS`.

Prints Markdown for docs/benchmarks.md. Figures from this shared 2-core
machine are noisy; read ratios within a run.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.search.chunking import chunk_regulation
from assistant.search.embeddings import make_embeddings
from assistant.search.retrieval import HybridRetriever
from assistant.search.sparse import Tokenizers
from assistant.search.store import build_index, load_index
from assistant.settings import Settings
from assistant.text.corpus import Article, Paragraph, Regulation
from assistant.text.library import Library, load_library

CITIES = [("青川", "Qingchuan"), ("白石", "Baishi"), ("临江", "Linjiang"), ("东岚", "Donglan"),
          ("金沙", "Jinsha"), ("云台", "Yuntai"), ("松溪", "Songxi"), ("海阳", "Haiyang"),
          ("南平湖", "Nanpinghu"), ("北岭", "Beiling"), ("瑞安屯", "Rui'antun"), ("丰泽", "Fengze"),
          ("长岛湾", "Changdaowan"), ("石门", "Shimen"), ("汾川", "Fenchuan"),
          ("柳营", "Liuying")]
INDUSTRIES = [("海洋装备", "marine equipment"), ("生物育种", "biological breeding"),
              ("低空经济", "low-altitude economy"), ("氢能", "hydrogen energy"),
              ("工业母机", "machine tool"), ("新型储能", "new energy storage"),
              ("智能网联汽车", "intelligent connected vehicle"), ("高端纺织", "high-end textile"),
              ("精细化工", "fine chemical"), ("航空发动机", "aero-engine"),
              ("碳纤维", "carbon fibre"), ("工业软件", "industrial software")]
INSTRUMENTS = [("产业引导基金", "industry guidance fund"), ("创新券", "innovation voucher scheme"),
               ("人才公寓", "talent apartment programme"), ("中试基地", "pilot-scale testing base"),
               ("首台套保险补偿", "first-unit insurance compensation scheme"),
               ("检验检测平台", "inspection and testing platform")]
DEPARTMENTS = [("财政部门", "finance department"),
               ("科技部门", "science and technology department"),
               ("人力资源社会保障部门", "human resources and social security department"),
               ("工业和信息化部门", "industry and information technology department"),
               ("市场监督管理部门", "market regulation department")]


@dataclass(frozen=True)
class Planted:
    """A question about one planted paragraph, and where it is."""

    lang: str
    question: str
    regulation: str
    article: int


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib() -> float:
    """This process's resident memory (MiB), from /proc."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def synthesize(source: Regulation, articles: int, regulations: int, planted: int,
               seed: int) -> tuple[Library, list[Planted]]:
    """A library of ``regulations`` pseudo-regulations holding ``articles`` in all."""
    rng = random.Random(seed)
    pool = [p for a in source.articles for p in a.paragraphs]
    combos = [(c, i, s) for c in range(len(CITIES)) for i in range(len(INDUSTRIES))
              for s in range(len(INSTRUMENTS))]
    rng.shuffle(combos)
    slots = rng.sample(range(articles), min(planted, articles, len(combos)))
    plant_at = dict(zip(slots, combos, strict=False))
    per_reg = articles // regulations
    regs: list[Regulation] = []
    questions: list[Planted] = []
    n = 0
    for r in range(regulations):
        reg_id = f"synthetic-{r + 1:04d}"
        arts = []
        for number in range(1, per_reg + 1):
            size = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
            paras = [Paragraph(i + 1, p.zh, p.en) for i, p in enumerate(rng.sample(pool, size))]
            if n in plant_at:
                c, i, s = plant_at[n]
                dept = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
                zh = (f"{CITIES[c][0]}市设立{INDUSTRIES[i][0]}{INSTRUMENTS[s][0]}，"
                      f"由市{dept[0]}负责管理。")
                en = (f"{CITIES[c][1]} Municipality establishes a {INDUSTRIES[i][1]} "
                      f"{INSTRUMENTS[s][1]}, administered by the municipal {dept[1]}.")
                paras[0] = Paragraph(1, zh, en)
                questions.append(Planted(
                    "zh", f"{CITIES[c][0]}的{INDUSTRIES[i][0]}{INSTRUMENTS[s][0]}由哪个部门管理？",
                    reg_id, number))
                questions.append(Planted(
                    "en", f"Which department runs {CITIES[c][1]}'s {INDUSTRIES[i][1]} "
                          f"{INSTRUMENTS[s][1]}?", reg_id, number))
            arts.append(Article(number, tuple(paras)))
            n += 1
        regs.append(Regulation(reg_id, f"示例省产业促进条例（第{r + 1}号）",
                               f"Sample Provincial Industry Promotion Regulations No. {r + 1}",
                               "", None, None, None, None, tuple(arts)))
    return Library(tuple(regs)), questions


def run_corpus(articles: int, regulations: int, planted: int, embeddings: object,
               glossary: Tokenizers, root: Path) -> dict[str, float | int | str]:
    """Build, load and query one synthetic corpus; the row of the scale table."""
    source = load_library(Settings().corpus_dir).regulations[0]
    library, questions = synthesize(source, articles, regulations, planted, seed=articles)
    chunks = [c for reg in library.regulations for c in chunk_regulation(reg)]
    before = rss_mib()
    started = time.perf_counter()
    embedded: list[int] = [0]
    folder = build_index(root, "e5-small", embeddings, chunks,  # type: ignore[arg-type]
                         f"synthetic-{articles}", reuse=False,
                         progress=lambda done, total: embedded.__setitem__(0, total))
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index = load_index(root, "e5-small", embeddings.id,  # type: ignore[attr-defined]
                       f"synthetic-{articles}")
    retriever = HybridRetriever(library, index, embeddings, glossary)  # type: ignore[arg-type]
    load_s = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    for q in questions[:5]:  # warm-up
        retriever.search(q.question, 3, lang=q.lang)  # type: ignore[arg-type]
    times: list[float] = []
    hit1 = {"zh": 0, "en": 0}
    hit3 = {"zh": 0, "en": 0}
    count = {"zh": 0, "en": 0}
    for q in questions:
        t0 = time.perf_counter()
        hits = retriever.search(q.question, 3, lang=q.lang)  # type: ignore[arg-type]
        times.append((time.perf_counter() - t0) * 1000)
        keys = [(h.regulation, h.article) for h in hits]
        count[q.lang] += 1
        hit1[q.lang] += int(keys[:1] == [(q.regulation, q.article)])
        hit3[q.lang] += int((q.regulation, q.article) in keys)
    return {
        "articles": articles, "regulations": regulations, "chunks": len(chunks),
        "embedded": embedded[0], "build_s": build_s, "load_s": load_s, "size_mib": size,
        "rss_mib": rss_mib() - before, "p50": pct(times, 0.5), "p95": pct(times, 0.95),
        "questions": len(questions),
        "r1": f"{hit1['zh'] / max(count['zh'], 1):.3f} / {hit1['en'] / max(count['en'], 1):.3f}",
        "r3": f"{hit3['zh'] / max(count['zh'], 1):.3f} / {hit3['en'] / max(count['en'], 1):.3f}",
    }


def crossover(vectors: np.ndarray, sizes: list[int], queries: int = 200) -> list[dict[str, float]]:
    """Flat against HNSW search time and agreement at ``sizes``.

    The points are mixtures of two distinct chunk vectors of the last corpus
    (x = v_i + u * v_j plus a little noise, normalised): new, distinct points
    in the region real chunks occupy. Repeated texts (identical vectors) are
    dropped first, since exact ties make "the nearest" arbitrary. HNSW is
    searched as the retriever searches it: RANK_DEPTH results, efSearch at
    least that, and its first ten compared with the exact first ten.
    """
    import faiss

    from assistant.search.retrieval import RANK_DEPTH
    from assistant.search.store import HNSW_EF_SEARCH, HNSW_M

    rng = np.random.default_rng(0)
    basis = np.unique(vectors, axis=0)
    rows = []
    for n in sizes:
        i, j = rng.integers(0, len(basis), n), rng.integers(0, len(basis), n)
        data = (basis[i] + rng.uniform(0, 1, (n, 1)).astype(np.float32) * basis[j]
                + rng.normal(0, 0.01, (n, basis.shape[1])).astype(np.float32))
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        q = data[rng.choice(n, queries, replace=False)] + rng.normal(
            0, 0.05, (queries, data.shape[1])).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        flat = faiss.IndexFlatIP(data.shape[1])
        flat.add(data)
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(data.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.add(data)
        hnsw_build = time.perf_counter() - started
        depth = min(RANK_DEPTH, n)
        params = faiss.SearchParametersHNSW(efSearch=max(depth, HNSW_EF_SEARCH))
        flat_ms, hnsw_ms, agree, first = [], [], [], []
        for row in q:
            x = row.reshape(1, -1)
            t0 = time.perf_counter()
            _, exact = flat.search(x, depth)
            flat_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            _, approx = hnsw.search(x, depth, params=params)
            hnsw_ms.append((time.perf_counter() - t0) * 1000)
            agree.append(len(set(exact[0][:10]) & set(approx[0][:10])) / 10)
            first.append(float(exact[0][0] == approx[0][0]))
        rows.append({"n": n, "flat": statistics.median(flat_ms),
                     "hnsw": statistics.median(hnsw_ms), "recall": float(np.mean(agree)),
                     "top1": float(np.mean(first)), "build": hnsw_build})
        print(f"crossover {n:,}: {rows[-1]}", flush=True)
    return rows


def main() -> None:
    """Run the corpora and the crossover; print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000:50,10000:500",
                        help="articles:regulations, comma-separated")
    parser.add_argument("--planted", type=int, default=200, help="planted articles per corpus")
    parser.add_argument("--crossover", default="50000,100000,200000,500000,1000000",
                        help="vector counts for the flat/HNSW comparison ('' to skip)")
    args = parser.parse_args()
    settings = Settings()
    embeddings = make_embeddings(settings.embedder)
    glossary = Tokenizers(load_library(settings.corpus_dir).glossary())
    rows = []
    last_vectors = None
    for spec in args.sizes.split(","):
        articles, regulations = (int(x) for x in spec.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_corpus(articles, regulations, args.planted, embeddings, glossary,
                                   Path(tmp)))
            last_vectors = load_index(Path(tmp), "e5-small", embeddings.id,
                                      f"synthetic-{articles}").vectors()
        print(f"done: {rows[-1]}", flush=True)
    print("\n| articles (regulations) | chunks | texts embedded | build (s) | load (s) | "
          "index on disk (MiB) | RSS added (MiB) | query p50 / p95 (ms) | planted questions | "
          "R@1 zh / en | R@3 zh / en |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['articles']:,} ({r['regulations']}) | {r['chunks']:,} | {r['embedded']:,} | "
              f"{r['build_s']:.0f} | {r['load_s']:.1f} | {r['size_mib']:.1f} | "
              f"{r['rss_mib']:.0f} | {r['p50']:.1f} / {r['p95']:.1f} | {r['questions']} | "
              f"{r['r1']} | {r['r3']} |")
    if args.crossover and last_vectors is not None:
        sizes = [int(x) for x in args.crossover.split(",")]
        print("\n| vectors | flat search (ms, median) | HNSW search (ms, median) | "
              "HNSW finds the exact nearest | HNSW recall of exact top 10 | HNSW build (s) |")
        print("|---|---|---|---|---|---|")
        for c in crossover(last_vectors, sizes):
            print(f"| {c['n']:,} | {c['flat']:.2f} | {c['hnsw']:.2f} | {c['top1']:.3f} | "
                  f"{c['recall']:.3f} | {c['build']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
