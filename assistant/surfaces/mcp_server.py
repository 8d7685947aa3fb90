"""MCP tools over stdio (``tiaoli mcp``), for desktop agents and MCP clients.

Six tools, each described in Chinese and English (prompts/interface.json): search_regulation,
get_article, ask, check_statement, compare_rendering, glossary_lookup. They
return the same JSON as the CLI and the HTTP API. User errors come back as
tool errors with the message and hint, never as a crash of the server.
"""

from __future__ import annotations

from typing import Any, Literal

from ..app import Assistant
from ..errors import TiaoliError
from ..review.check import Checker
from ..review.compare import Comparer, comparer_for
from ..search.retrieval import hit_json
from ..text.corpus import Regulation, article_json
from ..text.glossary import search
from ..text.references import parse_reference


def build_server(assistant: Assistant) -> Any:
    """A FastMCP server whose tools call ``assistant``."""
    from mcp.server.fastmcp import FastMCP

    library = assistant.library
    count = max(len(r.articles) for r in library.regulations)
    words = assistant.prompts
    server = FastMCP("tiaoli", instructions=words.text("mcp", "instructions"),
                     log_level="WARNING")
    checker = Checker(assistant)
    several = words.text("mcp", "several", listing=library.listing) if library.multiple else ""

    def comparer(reg: Regulation) -> Comparer:
        return comparer_for(assistant, reg)

    def chosen(regulation: str | None) -> Regulation:
        return library.choose(regulation or assistant.settings.regulation)

    def user_error(exc: TiaoliError) -> ValueError:
        return ValueError(exc.message + (f" ({exc.hint})" if exc.hint else ""))

    @server.tool(description=words.text("mcp", "search_regulation", several=several))
    def search_regulation(query: str, k: int = 5,
                          regulation: str | None = None) -> dict[str, Any]:
        try:
            hits = assistant.retriever.search(query, max(1, min(k, 20)), within=regulation)
        except TiaoliError as exc:
            raise user_error(exc) from None
        return {"query": query, "hits": [hit_json(h, library) for h in hits]}

    @server.tool(description=words.text("mcp", "get_article", count=count, several=several))
    def get_article(number: int, regulation: str | None = None) -> dict[str, Any]:
        try:
            reg = chosen(regulation)
            data = article_json(reg.article(number))
            return {"regulation": reg.id, **data} if library.multiple else data
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=words.text("mcp", "ask", several=several))
    def ask(question: str, lang: Literal["auto", "zh", "en"] = "auto",
            regulation: str | None = None) -> dict[str, Any]:
        try:
            return assistant.ask(question, lang=None if lang == "auto" else lang,
                                 regulation=regulation).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=words.text("mcp", "check_statement"))
    def check_statement(statement: str) -> dict[str, Any]:
        try:
            return checker.check(statement).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=words.text("mcp", "compare_rendering", several=several))
    def compare_rendering(article: str, rendering: str,
                          regulation: str | None = None) -> dict[str, Any]:
        try:
            number, para = parse_reference(article)
            return comparer(chosen(regulation)).compare(number, para, rendering).to_json()
        except TiaoliError as exc:
            raise user_error(exc) from None

    @server.tool(description=words.text("mcp", "glossary_lookup"))
    def glossary_lookup(term: str) -> list[dict[str, Any]]:
        return [t.to_json() for t in search(assistant.glossary, term)]

    return server
