"""Several regulations at once: the bundled one and a second of our own making.

江海市河道保护条例 (tests/data/corpora/) is invented for these tests: nine
articles, an English rendering, a glossary and a meta.json with short titles.
It shares article numbers 1 to 9 with the bundled regulation, so a bare
"第三条" is ambiguous, while 第十七条 exists only in the bundled one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.app import Assistant, build_assistant, rebuild_index
from assistant.errors import CorpusError, UsageError
from assistant.settings import Settings
from assistant.surfaces.cli import main
from assistant.text.library import AmbiguousRegulationError, Library, load_library

from .conftest import DATA
from .fakes import HashEmbeddings
from .helpers import regulation_dir

SD = "shandong-advanced-manufacturing-2024"
JH = "jianghai-river-protection"


def _two_corpus(root: Path, settings: Settings) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    shutil.copytree(regulation_dir(settings), corpus / SD)
    shutil.copytree(DATA / "corpora" / JH, corpus / JH)
    return corpus


@pytest.fixture(scope="module")
def two_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("two")
    base = Settings()
    corpus = _two_corpus(root, base)
    # Starting from the committed index, only the new regulation's chunks are embedded.
    shutil.copytree(base.index_dir, root / "index")
    s = Settings(corpus_dir=corpus, index_dir=root / "index")
    rebuild_index(s)
    return s


@pytest.fixture(scope="module")
def two(two_settings: Settings) -> Assistant:
    return build_assistant(two_settings)


@pytest.fixture(scope="module")
def library(two_settings: Settings) -> Library:
    return load_library(two_settings.corpus_dir)


# ------------------------------------------------------------------ library


def test_names_titles_and_labels(library: Library) -> None:
    sd, jh = library.get(SD), library.get(JH)
    assert library.ids == (JH, SD)  # folder order
    assert jh.title_zh == "江海市河道保护条例"
    assert jh.short_en == "Jianghai River Protection Regulations"
    assert library.label(SD, 17, 2) == (
        "《山东省先进制造业促进条例》第十七条第二款 | Article 17(2) "
        "of the Shandong Regulations on Promoting Advanced Manufacturing")
    assert library.label(JH, 5, None, "zh") == "《江海市河道保护条例》第五条"
    single = Library((sd,))
    assert single.label(SD, 17, 2) == "第十七条第二款 | Article 17(2)"


@pytest.mark.parametrize(("name", "expected"), [
    (JH, JH), ("江海市河道保护条例", JH), ("《河道保护条例》", JH),
    ("shandong regulations on promoting advanced manufacturing", SD),
    ("Shandong Provincial Regulations on Promoting Advanced Manufacturing", SD),
])
def test_choose_by_id_title_or_alias(library: Library, name: str, expected: str) -> None:
    assert library.choose(name).id == expected


def test_choose_nothing_or_unknown_is_a_clear_error(library: Library) -> None:
    with pytest.raises(AmbiguousRegulationError, match="2 regulations are loaded") as exc:
        library.choose(None)
    assert JH in exc.value.hint
    assert SD in exc.value.hint
    with pytest.raises(UsageError, match="no regulation 'Guangdong' is loaded"):
        library.choose("Guangdong")


def test_named_in_prefers_the_longest_name(library: Library) -> None:
    named = library.named_in("《江海市河道保护条例》第三条和山东省先进制造业促进条例")
    assert [r.id for r in named] == [JH, SD]
    assert library.named_in("第三条是什么？") == ()


def test_corpus_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such folder"):
        load_library(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no regulation folder"):
        load_library(tmp_path / "empty")
    (tmp_path / "c" / "notes").mkdir(parents=True)
    with pytest.raises(CorpusError, match=r"no zh\.txt"):
        load_library(tmp_path / "c")


@pytest.mark.parametrize("meta", ['{"short_title": "x"}', "not json",
                                  '{"aliases": [1]}'])
def test_bad_meta_names_the_file(tmp_path: Path, meta: str) -> None:
    folder = tmp_path / "c" / JH
    shutil.copytree(DATA / "corpora" / JH, folder)
    (folder / "meta.json").write_text(meta, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"meta\.json"):
        load_library(tmp_path / "c")


# ------------------------------------------------------------ the index


def test_rebuild_embeds_only_what_is_new(tmp_path: Path, settings: Settings) -> None:
    one = tmp_path / "one"
    shutil.copytree(regulation_dir(settings), one / SD)
    s = Settings(corpus_dir=one, index_dir=tmp_path / "index")
    totals: list[int] = []
    rebuild_index(s, embeddings=HashEmbeddings(), progress=lambda done, total: totals.append(total))
    first = totals[-1]
    shutil.copytree(DATA / "corpora" / JH, one / JH)
    totals.clear()
    folder = rebuild_index(s, embeddings=HashEmbeddings(),
                           progress=lambda done, total: totals.append(total))
    chunks = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
    new = {c["text"] for c in chunks if c["regulation"] == JH}
    assert first > 100
    assert totals[-1] == len(new)  # only the added regulation's texts were embedded
    assert {c["regulation"] for c in chunks} == {SD, JH}
    # Another embedder's vectors are never reused.
    totals.clear()
    rebuild_index(s, embeddings=HashEmbeddings(id="hash-other"),
                  progress=lambda done, total: totals.append(total))
    assert totals[-1] > len(new)


# ----------------------------------------------------------- questions


def test_search_finds_the_second_regulation_with_its_title(two: Assistant) -> None:
    hits = two.retriever.search("河长制是怎么回事？", 3)
    assert (hits[0].regulation, hits[0].article) == (JH, 5)
    hits = two.retriever.search("Who needs a sand extraction permit?", 3)
    assert (hits[0].regulation, hits[0].article) == (JH, 6)


def test_answers_cite_with_the_short_title(two: Assistant) -> None:
    a = two.ask("Can we lease industrial land instead of buying it?")
    assert not a.refused
    assert [(c.regulation, c.article, c.paragraph) for c in a.citations] == [(SD, 17, 2)]
    assert a.citations[0].label.endswith(
        "Article 17(2) of the Shandong Regulations on Promoting Advanced Manufacturing")
    assert a.answer.startswith("Under Article 17(2) of the Shandong Regulations on Promoting "
                               "Advanced Manufacturing, ")
    zh = two.ask("河道管理范围内能不能倒渣土？")
    assert [(c.regulation, c.article) for c in zh.citations] == [(JH, 6)]
    assert zh.answer.startswith("根据《江海市河道保护条例》第六条第一款，")


def test_an_ambiguous_reference_asks_which(two: Assistant) -> None:
    a = two.ask("第三条是什么？")
    assert a.choices == (JH, SD)
    assert not a.refused
    assert a.citations == ()
    assert {c.regulation for c in a.related} == {JH, SD}
    assert "第三条见于多部法规" in a.answer
    assert "《江海市河道保护条例》第三条" in a.answer
    en = two.ask("What does Article 3 say?")
    assert en.choices == (JH, SD)
    assert "Which one do you mean?" in en.answer
    assert en.to_json()["choices"] == [JH, SD]


def test_an_answer_asking_which_names_the_first_few_and_counts_the_rest(
        two: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.app as app

    monkeypatch.setattr(app, "TITLES_NAMED", 1)
    a = two.ask("第三条是什么？")
    assert "《江海市河道保护条例》等2部" in a.answer
    assert "《山东省先进制造业促进条例》、" not in a.answer
    assert {c.regulation for c in a.related} == {JH, SD}  # every one is still listed
    en = two.ask("What does Article 3 say?")
    assert "and others, 2 in all" in en.answer


def test_a_question_about_the_regulation_itself_naming_none_asks_which(two: Assistant
                                                                       ) -> None:
    # Each regulation has its own purpose and date; with two loaded, "本条例" is either.
    a = two.ask("请问本条例的制定目的是什么？")
    assert a.choices == (JH, SD)
    assert a.citations == ()
    assert {(c.regulation, c.article) for c in a.related} == {(JH, 1), (SD, 1)}
    assert "已载入的法规中有2部对此各有规定" in a.answer
    en = two.ask("When does the regulation take effect?")
    assert en.choices == (JH, SD)
    assert {(c.regulation, c.article) for c in en.related} == {(JH, 9), (SD, 20)}
    assert "Which one do you mean?" in en.answer
    # Named, or asked in a conversation about one, it is answered from that one.
    named = two.ask("江海市河道保护条例什么时候施行？")
    assert [(c.regulation, c.article) for c in named.citations][:1] == [(JH, 9)]
    from assistant.answer.conversation import Turn

    first = two.ask("江海市河道保护条例第五条是什么？")
    history = [Turn("user", "江海市河道保护条例第五条是什么？"), Turn("assistant", first.answer)]
    nxt = two.ask("这个条例什么时候开始施行？", history=history)
    assert nxt.choices == ()
    assert [(c.regulation, c.article) for c in nxt.citations][:1] == [(JH, 9)]


@pytest.mark.parametrize(("question", "expected"), [
    ("江海市河道保护条例第三条是什么？", (JH, 3)),
    ("《山东省先进制造业促进条例》第三条讲什么", (SD, 3)),
    ("What does Article 2 of the Jianghai River Protection Regulations say?", (JH, 2)),
    ("第十七条讲什么？", (SD, 17)),  # only one regulation has a 第十七条
])
def test_a_reference_goes_to_the_regulation_it_names(two: Assistant, question: str,
                                                    expected: tuple[str, int]) -> None:
    a = two.ask(question)
    assert not a.choices
    assert not a.refused
    assert {(c.regulation, c.article) for c in a.citations} == {expected}


def test_a_reference_no_regulation_holds_is_refused(two: Assistant) -> None:
    a = two.ask("第九十九条是什么？")
    assert a.refused
    assert "已载入的2部法规都没有第九十九条" in a.answer
    b = two.ask("江海市河道保护条例第十七条是什么？")
    assert b.refused
    assert "《江海市河道保护条例》没有第十七条，共九条。" in b.answer


def test_regulations_are_kept_apart(two: Assistant) -> None:
    a = two.ask("企业用地有什么支持政策？", regulation=JH)
    assert all(c.regulation == JH for c in (*a.citations, *a.related))
    hits = two.retriever.search("企业用地有什么支持政策？", 5, within=SD)
    assert {h.regulation for h in hits} == {SD}
    assert two.retriever.search("企业用地有什么支持政策？", 1)[0].regulation == SD
    with pytest.raises(UsageError, match="no regulation"):
        two.ask("第三条", regulation="nowhere")


def test_follow_up_stays_in_the_regulation(two: Assistant) -> None:
    from assistant.answer.conversation import Turn

    first = two.ask("江海市河道保护条例第五条是什么？")
    history = [Turn("user", "江海市河道保护条例第五条是什么？"), Turn("assistant", first.answer)]
    nxt = two.ask("下一条呢？", history=history)
    assert [(c.regulation, c.article) for c in nxt.citations][:1] == [(JH, 6)]


# ------------------------------------------------------------- the edges


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_show_takes_the_regulation(capsys: pytest.CaptureFixture[str], monkeypatch,
                                       two_settings: Settings) -> None:
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(two_settings.corpus_dir))
    monkeypatch.setenv("TIAOLI_INDEX_DIR", str(two_settings.index_dir))
    code, _, err = _run(capsys, "show", "3")
    assert code == 2
    assert "2 regulations are loaded" in err
    assert JH in err
    code, out, _ = _run(capsys, "show", "5", "--regulation", JH, "--lang", "zh")
    assert code == 0
    assert out.startswith("《江海市河道保护条例》第五条 | Article 5 of the Jianghai")
    assert "河长制" in out
    code, out, _ = _run(capsys, "show", "《山东省先进制造业促进条例》第十七条第二款", "--json")
    assert code == 0
    assert json.loads(out)["label"].startswith("《山东省先进制造业促进条例》第十七条第二款")
    code, out, _ = _run(capsys, "search", "采砂许可", "--json", "-r", JH)
    assert code == 0
    assert {h["regulation"] for h in json.loads(out)["hits"]} == {JH}
    code, _, err = _run(capsys, "show", "5", "-r", "nowhere")
    assert code == 2
    assert "no regulation 'nowhere' is loaded" in err


def test_api_takes_the_regulation(two: Assistant) -> None:
    from fastapi.testclient import TestClient

    from assistant.surfaces.api import create_api

    client = TestClient(create_api(two))
    regs = client.get("/api/regulations").json()["regulations"]
    assert [r["id"] for r in regs] == [JH, SD]
    assert regs[0]["articles"] == 9
    r = client.get("/api/articles/3")
    assert r.status_code == 400
    assert "2 regulations are loaded" in r.json()["error"]
    r = client.get("/api/articles/5", params={"regulation": JH})
    assert r.status_code == 200
    assert r.json()["regulation"] == JH
    assert client.get("/api/articles/17", params={"regulation": JH}).status_code == 404
    r = client.post("/api/ask", json={"question": "第三条是什么？"})
    assert r.status_code == 200
    assert r.json()["choices"] == [JH, SD]
    r = client.post("/api/ask", json={"question": "第三条是什么？", "regulation": SD})
    assert {c["regulation"] for c in r.json()["citations"]} == {SD}
    assert client.get("/healthz").json()["regulations"] == [JH, SD]


def test_page_takes_the_regulation(two: Assistant) -> None:
    from assistant.surfaces.web import ChatPage

    page = ChatPage(two)
    text, _, _, links = page.show_regulation(JH)
    assert "江海市河道保护条例" in text
    assert f'href="api/export/docx?regulation={JH}"' in links
    assert "河长制" in text
    article = page.show_article(5, JH)
    assert 'title="river chief system">河长制</abbr>' in article
    # Terms are marked from the regulation's own glossary, not every loaded one.
    assert "生态环境</abbr>" not in page.show_article(4, JH)
    assert "《江海市河道保护条例》第五条" in page.cards(two.ask("江海市河道保护条例第五条是什么？"))
    assert "Which regulation?" in page.cards(two.ask("第三条是什么？"))


def test_check_cites_the_regulation_it_rests_on(two: Assistant) -> None:
    from assistant.review.check import Checker

    result = Checker(two).check("各级河长负责组织领导相应河道的管理和保护工作")
    assert result.verdict == "supported"
    assert [(c.regulation, c.article) for c in result.citations] == [(JH, 5)]
    assert result.citations[0].label.startswith("《江海市河道保护条例》第五条")
    assert result.to_json()["citations"][0]["regulation"] == JH


def test_scope_is_judged_in_the_regulations_searched(two: Assistant) -> None:
    # Only the river regulation has a penalty article: a question about fines is
    # answered from it, unless it names the regulation that has none.
    fines = two.ask("倾倒渣土会被罚款吗？")
    assert not fines.refused
    assert [(c.regulation, c.article) for c in fines.citations] == [(JH, 8)]
    named = two.ask("山东省先进制造业促进条例对违反规定的企业罚款多少？")
    assert named.refused
    assert {c.regulation for c in named.related} == {SD}
    # Refused by the subject rule, which reads the named regulation only (the
    # whole library has a penalty article, so it would not fire on all of it).
    assert any("(罚款), which no article mentions" in n for n in named.notes)
    # The river regulation states its fines, so asking for the figure is answered there.
    amount = two.ask("倾倒渣土最多罚款多少钱？")
    assert not amount.refused
    assert [(c.regulation, c.article) for c in amount.citations] == [(JH, 8)]
    assert "五万元" in amount.answer


# ------------------------------------------------- places and a library's scope

XZ = "administrative-coercion-law"


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory, two_settings: Settings) -> Assistant:
    """The bundled regulation, the river one (a city's) and a national law, the real
    行政强制法 as published (tests/data/regulations)."""
    from assistant.text.sources import prepare, write

    root = tmp_path_factory.mktemp("three")
    shutil.copytree(two_settings.corpus_dir, root / "corpus")
    source = next((DATA / "regulations" / "national").glob("行政强制法*.md"))
    write(prepare([source], XZ), root / "corpus")
    shutil.copytree(two_settings.index_dir, root / "index")
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    rebuild_index(s)
    return build_assistant(s)


def test_where_a_regulation_applies() -> None:
    from assistant.answer.scope import Place

    shandong, jinan = Place("山东", "Shandong", "山东"), Place("济南", "Jinan", "山东")
    qingdao, jiangsu = Place("青岛", "Qingdao", "山东"), Place("江苏", "Jiangsu", "江苏")
    suzhou = Place("苏州", "Suzhou", "江苏")
    # A national law (None) applies anywhere; a province's in it and its cities.
    assert all(p.within(None) for p in (shandong, jinan, jiangsu, suzhou))
    assert jinan.within(shandong)
    assert shandong.within(shandong)
    assert not jiangsu.within(shandong)
    assert not suzhou.within(shandong)
    # A city's applies in that city, and in part where its province is named.
    assert jinan.within(jinan)
    assert shandong.within(jinan)
    assert not qingdao.within(jinan)
    assert not jiangsu.within(jinan)


def test_titles_give_the_place(three: Assistant) -> None:
    rules, lib = three.judge.rules, three.library
    where = {r: rules.where(lib.get(r)) for r in (SD, JH, XZ)}
    assert where[SD] is not None
    assert (where[SD].zh, where[SD].city) == ("山东", False)
    # Not in the table of cities, but made by 江海市's people's congress: a city.
    assert where[JH] is not None
    assert (where[JH].zh, where[JH].city) == ("江海", True)
    assert lib.get(XZ).title_zh == "中华人民共和国行政强制法"
    assert where[XZ] is None


@pytest.mark.parametrize(("text", "named"), [
    ("我们在山东营商环境怎么样？", ["山东"]),  # not 东营, which straddles two words
    ("项目完成都需要验收吗？", []),  # not 成都
    ("我们在深圳和苏州都有厂", ["深圳", "苏州"]),
    ("Our plant is in Shenzhen.", ["深圳"]),
    ("江海市的河道", ["江海"]),  # a regulation's own place, though no table lists it
])
def test_places_named_begin_a_word(three: Assistant, text: str, named: list[str]) -> None:
    assert sorted(p.zh for p in three.judge.places_named(text)) == sorted(named)


def test_a_national_law_applies_in_any_province(three: Assistant) -> None:
    # Beijing: neither the Shandong nor the Jianghai regulation applies there, the
    # national law does, and it states the figure asked for.
    answer = three.ask("我在北京开公司，行政机关查封我们的设施，期限最长可以多少天？")
    assert not answer.refused, answer.notes
    assert answer.citations[0].regulation == XZ
    assert answer.citations[0].article == 25
    assert {c.regulation for c in answer.citations} == {XZ}


def test_a_provincial_regulation_does_not_apply_in_another_province(three: Assistant) -> None:
    asked = three.ask("我们在江苏有个工厂，企业技术改造能得到哪些支持？")
    assert asked.refused
    assert any("another jurisdiction (江苏)" in n for n in asked.notes)
    # In one of its own cities it applies.
    jinan = three.ask("我们在济南有个工厂，企业技术改造能得到哪些支持？")
    assert not jinan.refused
    assert {c.regulation for c in jinan.citations} == {SD}


def test_a_city_regulation_applies_in_that_city_only(three: Assistant) -> None:
    here = three.ask("江海市在河道管理范围内倾倒渣土会被罚款吗？")
    assert not here.refused
    assert here.citations[0].regulation == JH
    elsewhere = three.ask("青岛在河道管理范围内倾倒渣土会被罚款吗？")
    assert JH not in {c.regulation for c in elsewhere.citations}


def test_a_library_refuses_what_one_regulation_would(three: Assistant) -> None:
    # The national law has a penalty chapter and states figures, so the library as a
    # whole "mentions" fines; but the question is about the bundled regulation's
    # subject, which does not set any, and the law reached beside it holds less of it.
    alone = build_assistant(Settings())
    question = "首台套重大技术装备保险补偿的比例是多少？"
    assert alone.ask(question).refused
    asked = three.ask(question)
    assert asked.refused, [(c.regulation, c.article) for c in asked.citations]


def test_a_term_common_in_its_regulation_stays_common_in_a_library(three: Assistant) -> None:
    # 先进制造业 is in most of the bundled regulation's articles, so it says nothing about
    # which of them is meant and is not searched across languages; the national law's
    # 71 articles, which never hold it, make it rare in the library as a whole, but not
    # in the regulation a question about it is answered from.
    alone = build_assistant(Settings()).retriever.common_terms
    term = "先进制造业"
    assert term in alone
    articles = [a.zh for r in three.library.regulations for a in r.articles]
    assert sum(term in t for t in articles) < 0.25 * len(articles)
    assert alone <= three.retriever.common_terms


def test_whole_library_evaluation_counts_another_regulation_as_wrong(
        two_settings: Settings) -> None:
    from assistant.evaluation import Question, evaluate

    sd = build_assistant(Settings(corpus_dir=two_settings.corpus_dir,
                                  index_dir=two_settings.index_dir, regulation=SD))
    # Gold is the bundled regulation's Article 5; asked of the whole library, the
    # dumping question is answered from the river regulation: wrong, not invalid.
    qs = [Question("x1", "zh", "倾倒渣土会被罚款吗？", (5,))]
    across = evaluate(sd, qs, across=True)
    scores = across.answers["zh"]
    assert scores.first_right == 0
    assert scores.invalid == 0
    assert scores.answerable == 1
    assert across.rows[0]["cited"][0] == f"{JH}:8"
    # Within the bundled regulation alone, no river article can be cited.
    assert all(not str(c).startswith(JH) for c in evaluate(sd, qs).rows[0]["cited"])
    # A bare article number is in both: the evaluation picks the regulation, as a user
    # answering "which one?" would.
    ref = evaluate(sd, [Question("x2", "zh", "第三条讲什么？", (3,))], across=True)
    assert ref.answers["zh"].first_right == 1


def test_a_regulation_ranked_low_still_rules_on_its_subject(
        three: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    # As when a library's other texts outrank the bundled one's: its hits are dropped from
    # every search that names no regulation. It holds the most of the question's terms,
    # so it is judged all the same, and it states no such figure: refused.
    search = three.retriever.search

    def outranked(question: str, k: int = 5, **kwargs: object) -> list[object]:
        hits = search(question, k, **kwargs)  # type: ignore[arg-type]
        return hits if kwargs.get("within") else [h for h in hits if h.regulation != SD]

    monkeypatch.setattr(three.retriever, "search", outranked)
    asked = three.ask("首台套重大技术装备保险补偿的比例是多少？")
    assert asked.refused, [(c.regulation, c.article) for c in asked.citations]
    # The bundled one was judged: its reason is among the refusal's (not only the others').
    assert any("山东省先进制造业促进条例: " in n for n in asked.notes), asked.notes


def test_a_question_about_a_named_law_itself_cites_its_article(three: Assistant) -> None:
    law = three.library.get(XZ)
    answer = three.ask("行政强制法从哪天起开始施行？")
    assert not answer.refused, answer.notes
    assert [(c.regulation, c.article) for c in answer.citations] == [
        (XZ, law.articles[-1].number)]
    # Naming no regulation, it could be any one's: searched as any question, not resolved.
    hits = three.retriever.search("这部法什么时候开始施行？", 5)
    assert not any(h.referenced for h in hits)


def test_a_laws_title_characters_do_not_eat_other_words(three: Assistant) -> None:
    law = three.library.get(XZ)
    retriever = three.retriever
    # 法 ends the law's title, and 人民 is in it: 人民法院 is still searched for.
    question = "人民法院可以强制执行吗？"
    assert retriever._without_title_words(question, law) == question
    assert retriever._without_title_words("本法对查封期限怎么规定？", law) == "对查封期限怎么规定？"
