"""Tiaoli from other tools: the openai package, an MCP client, and feedback."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from pathlib import Path

import httpx
import pytest

from assistant.surfaces.feedback import FeedbackStore

from .test_cli import run
from .test_web import SERVER_HOME, server  # noqa: F401 - the running-server fixture

openai = pytest.importorskip("openai", reason="the dev extra installs it")


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0,
                         timeout=60)


def test_models(server: str) -> None:  # noqa: F811
    assert [m.id for m in client(server).models.list().data] == ["tiaoli"]


def test_chat_completion_cites_article_17(server: str) -> None:  # noqa: F811
    reply = client(server).chat.completions.create(
        model="tiaoli", messages=[{"role": "user", "content": "第十七条讲什么？"}])
    text = reply.choices[0].message.content or ""
    assert "根据第十七条第一款" in text
    assert "**依据 Sources**" in text
    assert "- **第十七条第二款 | Article 17(2)**" in text
    extra = reply.model_extra or {}
    assert [c["article"] for c in extra["tiaoli"]["citations"]] == [17, 17, 17]


def test_streaming_chat_completion(server: str) -> None:  # noqa: F811
    stream = client(server).chat.completions.create(
        model="tiaoli", stream=True,
        messages=[{"role": "user", "content": "企业融资有什么支持？"},
                  {"role": "assistant", "content": "根据第十九条第一款……"},
                  {"role": "user", "content": "那土地呢？"}])
    pieces, finish, extra = [], None, None
    for chunk in stream:
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
        extra = (chunk.model_extra or {}).get("tiaoli") or extra
    text = "".join(pieces)
    assert finish == "stop"
    assert len(pieces) >= 3
    assert "第十七条第二款" in text
    assert extra is not None
    assert extra["citations"][0]["article"] == 17
    assert extra["searched"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}, 404,
                     "model_not_found", id="unknown-model"),
        pytest.param({"model": "tiaoli", "messages": []}, 400, None, id="no-messages"),
        pytest.param({"model": "tiaoli", "messages": [{"role": "user", "content": " "}]}, 400,
                     None, id="empty-question"),
    ],
)
def test_errors_in_openai_shape(server: str, body: dict, status: int,  # noqa: F811
                                code: str | None) -> None:
    r = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=30)
    assert r.status_code == status
    error = r.json()["error"]
    assert error["message"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code


def test_openai_package_raises_on_unknown_model(server: str) -> None:  # noqa: F811
    with pytest.raises(openai.NotFoundError):
        client(server).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}])


# ------------------------------------------------------------------ feedback


def test_feedback_round_trips_through_sqlite_and_export(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "home")
    assert store.rows() == []
    assert not store.path.exists()  # nothing is stored until feedback is given
    first = store.add(rating="down", question="第十七条讲什么？", answer="根据第十七条……",
                      citations=[{"article": 17, "paragraph": 2}], comment="缺第三款",
                      lang="zh", mode="extractive", index_version="e5; corpus abc")
    second = store.add(rating="up", question="q", answer="a")
    assert (first, second) == (1, 2)
    rows = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert [r["rating"] for r in rows] == ["down", "up"]
    assert rows[0]["comment"] == "缺第三款"
    assert json.loads(rows[0]["citations"]) == [{"article": 17, "paragraph": 2}]
    assert rows[0]["index_version"] == "e5; corpus abc"
    import sqlite3

    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_feedback_rejects_bad_input(tmp_path: Path) -> None:
    from assistant.errors import UsageError

    store = FeedbackStore(tmp_path)
    with pytest.raises(UsageError, match="rating must be"):
        store.add(rating="meh", question="q", answer="a")
    with pytest.raises(UsageError, match="limit"):
        store.add(rating="up", question="q", answer="a", comment="x" * 3000)


def test_feedback_api_and_cli_export(server: str, tmp_path: Path, capsys,  # noqa: F811
                                     monkeypatch) -> None:
    answer = httpx.post(f"{server}/api/ask", json={"question": "第十七条讲什么？"},
                        timeout=30).json()
    r = httpx.post(f"{server}/api/feedback", json={
        "rating": "up", "question": answer["question"], "answer": answer["answer"],
        "citations": answer["citations"], "comment": "清楚", "lang": answer["lang"],
        "mode": answer["mode"]}, timeout=30)
    assert r.status_code == 200
    assert r.json()["stored"] is True
    bad = httpx.post(f"{server}/api/feedback", json={"rating": "meh", "question": "q",
                                                      "answer": "a"}, timeout=30)
    assert bad.status_code == 422
    # The server stores under its own TIAOLI_HOME; export reads the same place.
    monkeypatch.setenv("TIAOLI_HOME", str(SERVER_HOME["home"]))
    code, out, _ = run(capsys, "feedback", "export", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["comment"] == "清楚"
    assert rows[-1]["rating"] == "up"
    assert "e5-small" in rows[-1]["index_version"]


# ----------------------------------------------------------------------- MCP


def test_mcp_client_lists_six_tools_and_calls_each() -> None:
    pytest.importorskip("mcp", reason="the mcp extra installs it")
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp"],
                                   env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})

    async def session() -> dict:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            tools = {t.name: t for t in (await s.list_tools()).tools}
            calls = {
                "get_article": {"number": 17},
                "search_regulation": {"query": "Can we lease land?", "k": 3},
                "ask": {"question": "第十七条讲什么？"},
                "check_statement": {"statement": "企业必须参与制定国际标准"},
                "compare_rendering": {"article": "20", "rendering":
                                      "These Regulations shall come into force on "
                                      "December 1, 2024."},
                "glossary_lookup": {"term": "链长制"},
            }
            results = {}
            for name, args in calls.items():
                res = await s.call_tool(name, args)
                assert not res.isError, (name, res.content)
                results[name] = json.loads(res.content[0].text)
            bad = await s.call_tool("get_article", {"number": 99})
            return {"tools": tools, "results": results, "bad": bad}

    out = asyncio.run(session())
    assert set(out["tools"]) == {"search_regulation", "get_article", "ask", "check_statement",
                                 "compare_rendering", "glossary_lookup"}
    import re

    for tool in out["tools"].values():  # described in both languages
        assert re.search(r"[\u4e00-\u9fff]", tool.description or "")
        assert re.search(r"[A-Za-z]{4,} [a-z]+ [a-z]+", tool.description or "")
        assert tool.inputSchema["properties"]
    assert out["tools"]["get_article"].inputSchema["properties"]["number"]["type"] == "integer"
    r = out["results"]
    assert r["get_article"]["number"] == 17
    assert len(r["get_article"]["paragraphs"]) == 3
    assert r["search_regulation"]["hits"][0]["article"] == 17
    assert r["ask"]["citations"][0]["article"] == 17
    assert r["check_statement"]["verdict"] == "partly_supported"
    assert r["compare_rendering"]["clean"] is True
    assert r["glossary_lookup"]["zh"] == "链长制"
    assert out["bad"].isError
    assert "20 articles" in out["bad"].content[0].text
