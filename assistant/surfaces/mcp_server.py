"""MCP tools over stdio (``tiaoli mcp``), for desktop agents and MCP clients.

Six tools, each described in Chinese and English: search_regulation,
get_article, ask, check_statement, compare_rendering, glossary_lookup. They
return the same JSON as the CLI and the HTTP API. User errors come back as
tool errors with the message and hint, never as a crash of the server.
"""

from __future__ import annotations

from typing import Any, Literal

from ..app import Assistant
from ..errors import TiaoliError
from ..review.check import Checker
from ..review.compare import Comparer
from ..search.retrieval import hit_json
from ..text.corpus import Regulation, article_json
from ..text.glossary import search
from ..text.references import parse_reference

INSTRUCTIONS = (
    "Tiaoli answers questions about the 山东省先进制造业促进条例 (Shandong Provincial "
    "Regulations on Promoting Advanced Manufacturing) with cited articles, in Chinese or "
    "English. 用中文或英文提问，回答注明条款。Quote the citations it returns; do not cite "
    "articles it did not return.")


def build_server(assistant: Assistant) -> Any:
    """A FastMCP server whose tools call ``assistant``."""
    from mcp.server.fastmcp import FastMCP

    library = assistant.library
    count = max(len(r.articles) for r in library.regulations)
    server = FastMCP("tiaoli", instructions=INSTRUCTIONS, log_level="WARNING")
    checker = Checker(assistant)
    several = (" 已载入多部法规：" + library.listing + "；用 regulation 参数指定。"
               " Several regulations are loaded; name one in `regulation`."
               if library.multiple else "")

    def comparer(reg: Regulation) -> Comparer:
        return Comparer(reg, assistant.embeddings, assistant.retriever.tokenizers,
                        library.glossaries.get(reg.id, ()), assistant.extractive.pos)

    def chosen(regulation: str | None) -> Regulation:
        return library.choose(regulation or assistant.settings.regulation)

    def user_error(exc: TiaoliError) -> ValueError:
        return ValueError(exc.message + (f" ({exc.hint})" if exc.hint else ""))

    @server.tool(description=(
        "检索条例：返回与问题最相关的条文（条、款）及得分。"
        " Search the regulation: the articles (and paragraphs) that best match a question "
        "or phrase, in Chinese or English, best first." + several))
    def search_regulation(query: str, k: int = 5,
                          regulation: str | None = None) -> dict[str, Any]:
        try:
            hits = assistant.retriever.search(query, max(1, min(k, 20)), within=regulation)
        except TiaoliError as exc:
            raise user_error(exc) from None
        return {"query": query, "hits": [hit_json(h, library) for h in hits]}

    @server.tool(description=(
        f"按条号取条文（1至{count}），中文原文与英文译文逐款对照。"
        f" Get one article by number (1 to {count}): each paragraph in the official Chinese "
        "with our English rendering." + several))
    def get_article(number: int, regulation: str | None = None) -> dict[str, Any]:
        try:
            reg = chosen(regulation)
            data = article_json(reg.article(number))
            return {"regulation": reg.id, **data} if library.multiple else data
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=(
        "就条例提问：回答注明条款（如第十七条第二款），条例未作规定时明确说明。"
        " Ask a question about the regulation: a cited answer (e.g. Article 17(2)) in the "
        "question's language, or a refusal with the closest provisions when the regulation "
        "does not address it. lang: auto, zh or en." + several))
    def ask(question: str, lang: Literal["auto", "zh", "en"] = "auto",
            regulation: str | None = None) -> dict[str, Any]:
        try:
            return assistant.ask(question, lang=None if lang == "auto" else lang,
                                 regulation=regulation).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=(
        "核对表述：判断条例是否这样规定（supported / partly_supported / not_stated），并引用条文。"
        " Check a statement against the regulation: supported, partly_supported (actor, "
        "modality, scope or a list changed) or not_stated, with the provision quoted."))
    def check_statement(statement: str) -> dict[str, Any]:
        try:
            return checker.check(statement).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=(
        "比对译文：把某条（如 17）或某款（如 17.2）的英文译文与官方中文逐句对齐，"
        "标出遗漏、增译、术语和数字问题。"
        " Compare an English rendering of an article ('17') or paragraph ('17.2') with the "
        "official Chinese: omissions, additions, term drift, numbers, dates and list lengths."
        + several))
    def compare_rendering(article: str, rendering: str,
                          regulation: str | None = None) -> dict[str, Any]:
        try:
            number, para = parse_reference(article)
            return comparer(chosen(regulation)).compare(number, para, rendering).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=(
        "查术语：中英文双向查找术语表，返回译法与说明。"
        " Look up the bilingual glossary in Chinese or English: the agreed English, accepted "
        "variants and a translator's note."))
    def glossary_lookup(term: str) -> list[dict[str, Any]]:
        return [t.to_json() for t in search(assistant.glossary, term)]

    return server
