"""The retriever as LangChain sees it: ``TiaoliRetriever``, a ``BaseRetriever``.

Kept apart from retrieval.py so that answering a question never imports
langchain_core's retriever and tracing machinery (about half a second at
start-up); import it when a LangChain chain needs a retriever.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .retrieval import HybridRetriever, detect_lang, normalize


class TiaoliRetriever(BaseRetriever):
    """LangChain ``BaseRetriever`` over ``HybridRetriever``: one Document per article hit.

    Each Document holds the article's best paragraph in the question's language
    and carries article, paragraph, label, score and the other paragraphs' numbers.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        retriever: HybridRetriever = self.hybrid
        lang = detect_lang(normalize(query))
        docs = []
        for hit in retriever.search(query, self.k, lang=lang):
            article = retriever.library.get(hit.regulation).article(hit.article)
            best = hit.paragraphs[0].number if hit.paragraphs else 1
            para = article.paragraph(best)
            docs.append(Document(
                page_content=(para.zh if lang == "zh" else para.en) or para.zh,
                metadata={"regulation": hit.regulation, "article": hit.article,
                          "paragraph": best,
                          "label": retriever.library.label(hit.regulation, hit.article, best),
                          "score": hit.score, "referenced": hit.referenced,
                          "paragraphs": [p.number for p in hit.paragraphs]}))
        return docs
