"""Retrieval with the real default embedder over the committed index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.app import Assistant, build_assistant, corpus_files
from assistant.errors import UsageError
from assistant.search.adapter import TiaoliRetriever
from assistant.search.embeddings import E5SmallEmbeddings
from assistant.search.retrieval import dense_query, detect_lang
from assistant.search.store import corpus_hash, load_index
from assistant.settings import Settings


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


def test_committed_index_is_current(settings: Settings, assistant: Assistant) -> None:
    # The manifest matches today's corpus and embedder …
    index = load_index(settings.index_dir, settings.embedder, assistant.embeddings.id,
                       corpus_hash(corpus_files(settings)))
    # … and the stored vectors are what the embedder makes of the chunks now.
    sample = [0, len(index.chunks) // 2, len(index.chunks) - 1]
    stored = np.stack([index._faiss.reconstruct(i) for i in sample])
    fresh = assistant.embeddings.encode([index.chunks[i].text for i in sample], query=False)
    assert np.allclose(np.sum(stored * fresh, axis=1), 1.0, atol=1e-3)


@pytest.mark.parametrize(
    ("question", "article"),
    [
        pytest.param("Can we lease land instead of buying it?", 17, id="en-lease-land"),
        pytest.param("可以租地而不是买地吗？", 17, id="zh-lease-land"),
        pytest.param("专精特新中小企业怎么培育？", 5, id="zh-glossary-term"),
        pytest.param("What is the industrial chain leader system?", 6, id="en-glossary-term"),
        pytest.param("When do these Regulations take effect?", 20, id="en-effective"),
        pytest.param("银行能提供哪些产业链金融业务？", 19, id="zh-supply-chain-finance"),
    ],
)
def test_questions_find_their_article_first(assistant: Assistant, question: str,
                                            article: int) -> None:
    hits = assistant.retriever.search(question, 5)
    assert hits[0].article == article
    assert len(hits) == 5


@pytest.mark.parametrize(
    ("question", "article", "paragraph"),
    [
        pytest.param("第三条是什么？", 3, None, id="zh"),
        pytest.param("第17条讲了什么", 17, None, id="zh-arabic"),
        pytest.param("17条", 17, None, id="zh-bare"),
        pytest.param("第十七条第二款怎么规定的？", 17, 2, id="zh-paragraph"),
        pytest.param("What does Article 3 say?", 3, None, id="en"),
        pytest.param("Art. 17(2)", 17, 2, id="en-abbrev"),
        pytest.param("what is article seventeen about", 17, None, id="en-words"),
        pytest.param("Explain paragraph 3 of Article 12", 12, 3, id="en-paragraph-of"),
    ],
)
def test_article_references_come_first(assistant: Assistant, question: str, article: int,
                                       paragraph: int | None) -> None:
    hit = assistant.retriever.search(question, 5)[0]
    assert (hit.article, hit.referenced) == (article, True)
    if paragraph is not None:
        assert hit.paragraphs[0].number == paragraph


def test_two_references_both_lead(assistant: Assistant) -> None:
    hits = assistant.retriever.search("第十八条和第十九条有什么区别？", 5)
    assert [h.article for h in hits[:2]] == [18, 19]


def test_reference_outside_the_regulation_is_not_a_hit(assistant: Assistant) -> None:
    hits = assistant.retriever.search("第二十五条是什么？", 5)
    assert not any(h.referenced for h in hits)
    assert all(1 <= h.article <= 20 for h in hits)


def test_paragraphs_are_ranked_within_an_article(assistant: Assistant) -> None:
    hit = assistant.retriever.search("弹性年期出让", 3)[0]
    assert hit.article == 17
    assert hit.paragraphs[0].number == 2


def test_glossary_keeps_terms_whole(assistant: Assistant) -> None:
    tokens = assistant.retriever.tokenizers.zh("建立完善产业链链长制，培育专精特新中小企业")
    assert "链长制" in tokens
    assert "专精特新" in tokens


def test_english_question_reaches_chinese_text_through_the_glossary(
    assistant: Assistant,
) -> None:
    across = assistant.retriever.tokenizers.across("What is the chain leader system?", "en")
    assert "链长制" in across


def test_words_naming_the_regulation_are_not_searched() -> None:
    assert dense_query("本条例是否鼓励外资？") == "是否鼓励外资？"
    assert dense_query("Does the regulation cover land?") == "Does cover land?"
    assert dense_query("条例") == "条例"


@pytest.mark.parametrize(("named", "plain"), [
    pytest.param("What role do banks play under Shandong's advanced manufacturing "
                 "promotion regulations?", "What role do banks play under?", id="en-paraphrase"),
    pytest.param("按照《山东省先进制造业促进条例》，省发改委承担哪些职责？",
                 "按照 ，省发改委承担哪些职责？", id="zh-title"),
    pytest.param("山东先进制造业条例对用地有什么规定？", "对用地有什么规定？", id="zh-paraphrase"),
    pytest.param("What does the law say about advanced manufacturing clusters?",
                 "What does say about advanced manufacturing clusters?", id="subject-kept"),
])
def test_a_regulation_named_in_the_questions_own_words_is_not_searched(
        assistant: Assistant, named: str, plain: str) -> None:
    retriever = assistant.retriever
    assert retriever._unnamed(named) == plain
    # Naming the regulation changes nothing about what is found.
    assert ([h.article for h in retriever.search(named, 5)]
            == [h.article for h in retriever.search(plain, 5)])


@pytest.mark.parametrize(
    ("text", "lang"),
    [("第三条是什么？", "zh"), ("What does Article 3 say?", "en"),
     ("第十七条 what", "zh"), ("Is 专精特新 defined?", "en")],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused(assistant: Assistant, question: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        assistant.retriever.search(question, 5)


def test_single_retrievers_skip_reference_resolution(assistant: Assistant) -> None:
    hits = assistant.retriever.search("第三条", 5, mode="bm25")
    assert not any(h.referenced for h in hits)


def test_langchain_retriever(assistant: Assistant) -> None:
    retriever = TiaoliRetriever(hybrid=assistant.retriever, k=3)
    docs = retriever.invoke("Can we lease land instead of buying it?")
    assert len(docs) == 3
    assert docs[0].metadata["article"] == 17
    assert docs[0].metadata["label"].startswith("第十七条")
    assert "land" in docs[0].page_content


def test_default_embedder_is_e5_small(assistant: Assistant) -> None:
    assert isinstance(assistant.embeddings, E5SmallEmbeddings)
    assert assistant.embeddings.dim == 384
    q = assistant.embeddings.embed_query("土地")
    assert len(q) == 384


def test_a_name_jieba_splits_differently_is_still_found(tmp_path) -> None:
    """金沙市 is segmented 金 / 沙市 in the text but 金沙 in the question: no shared word.
    The name's character bigrams find it (an unknown name, in either article order)."""
    from assistant.search.chunking import chunk_regulation
    from assistant.search.retrieval import HybridRetriever
    from assistant.search.sparse import Tokenizers
    from assistant.search.store import build_index
    from assistant.text.corpus import Article, Paragraph, Regulation
    from assistant.text.library import Library

    from .fakes import HashEmbeddings

    texts = ["石门市设立低空经济首台套保险补偿，由市科技部门负责管理。",
             "金沙市设立低空经济首台套保险补偿，由市财政部门负责管理。"]
    for order in (texts, texts[::-1]):
        reg = Regulation("towns", "示例条例", None, "", None, None, None, None,
                         tuple(Article(n, (Paragraph(1, t),)) for n, t in enumerate(order, 1)))
        emb = HashEmbeddings()
        root = tmp_path / str(order is texts)
        build_index(root, "hash", emb, chunk_regulation(reg), "x")
        retriever = HybridRetriever(Library((reg,)), load_index(root, "hash", emb.id, "x"),
                                    emb, Tokenizers(()))
        hits = retriever.search("金沙的低空经济首台套保险补偿由哪个部门管理？", 2, mode="bm25")
        assert order[hits[0].article - 1].startswith("金沙市")
