"""An OpenAI-compatible endpoint, so chat front ends and SDKs can use Tiaoli.

``GET /v1/models`` lists ``tiaoli`` (the extractive answerer) and, when an LLM
is configured, ``tiaoli-llm``. ``POST /v1/chat/completions`` takes the
conversation from ``messages`` (the last user message is the question; the
earlier turns rewrite a follow-up, as on the page), with or without
``stream``. The reply text carries its citations inline (第十七条第二款 /
Article 17(2)) and ends with a Markdown sources section, so any front end
shows them; the Answer JSON rides along in the extra field ``tiaoli``.
Errors use OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ..answer.conversation import Turn
from ..answer.prompts import Prompts
from ..answer.values import Answer
from ..app import Assistant
from ..errors import TiaoliError
from ..search.embeddings import EmbedderBusyError

MODEL = "tiaoli"
LLM_MODEL = "tiaoli-llm"


def _error(status: int, message: str, param: str | None = None,
           code: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error",
                                   "param": param, "code": code}}, status_code=status)


def _busy(exc: EmbedderBusyError) -> JSONResponse:
    response = JSONResponse({"error": {"message": f"{exc.message} ({exc.hint})",
                                       "type": "server_busy", "param": None,
                                       "code": "busy"}}, status_code=503)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # [{"type": "text", "text": "…"}, …]
        return " ".join(str(p.get("text", "")) for p in content
                        if isinstance(p, dict) and p.get("type") == "text")
    return ""


def markdown(answer: Answer, prompts: Prompts) -> str:
    """The answer with a Markdown section listing its sources (or related provisions)."""
    items = answer.related if answer.refused else answer.citations
    if not items:
        return answer.answer
    title = prompts.text("v1", "related" if answer.refused else "sources")
    lines = [answer.answer, "", "---", f"**{title}**", ""]
    for c in items:
        lines.append(f"- **{c.label}**  \n  {c.zh}" + (f"  \n  {c.en}" if c.en else ""))
    return "\n".join(lines)


def add_openai_routes(app: FastAPI, assistant: Assistant) -> None:
    """Add ``/v1/models`` and ``/v1/chat/completions`` to the server's app."""
    models = [MODEL] + ([LLM_MODEL] if assistant.llm is not None else [])

    def model_json(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": 0, "owned_by": "tiaoli"}

    @app.get("/v1/models", tags=["openai"])
    def list_models() -> dict[str, Any]:
        """The models this server answers as."""
        return {"object": "list", "data": [model_json(m) for m in models]}

    @app.get("/v1/models/{name}", tags=["openai"], response_model=None)
    def get_model(name: str) -> dict[str, Any] | JSONResponse:
        """One model, as OpenAI's API describes it."""
        if name not in models:
            return _error(404, f"the model {name!r} does not exist; this server has "
                          f"{', '.join(models)}", "model", "model_not_found")
        return model_json(name)

    @app.post("/v1/chat/completions", tags=["openai"], response_model=None)
    async def chat_completions(request: Request) -> JSONResponse | StreamingResponse:
        """OpenAI's chat completions: the conversation in, a cited answer out."""
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "the request body is not valid JSON")
        except RecursionError:
            return _error(400, "the request body is nested too deeply to read")
        if not isinstance(body, dict):
            return _error(400, "the request body must be a JSON object")
        model = body.get("model") or MODEL
        if model not in models:
            return _error(404, f"the model {model!r} does not exist; this server has "
                          f"{', '.join(models)}", "model", "model_not_found")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "messages must be a non-empty list", "messages")
        turns = [Turn(m.get("role", ""), _text(m.get("content"))) for m in messages
                 if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            return _error(400, "the last message must be the user's question", "messages")
        question, history = turns[-1].content, turns[:-1]
        use_llm = model == LLM_MODEL
        stream = body.get("stream", False)
        if stream is not None and not isinstance(stream, bool):
            return _error(400, f"stream must be true or false, not {json.dumps(stream)}",
                          "stream")
        n = body.get("n", 1)
        if n is not None and (isinstance(n, bool) or n != 1):
            return _error(400, "n must be 1: Tiaoli gives one answer, quoted from the law",
                          "n")
        for key in ("tools", "functions", "tool_choice", "function_call"):
            if body.get(key) not in (None, [], "none"):
                return _error(400, f"{key} is not supported: Tiaoli calls no tools", key)
        created = int(time.time())
        ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if not stream:
            try:
                answer = await _run(assistant, question, history, use_llm)
            except EmbedderBusyError as exc:
                return _busy(exc)
            except TiaoliError as exc:
                return _error(400, exc.message, "messages")
            return JSONResponse({
                "id": ident, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant",
                                         "content": markdown(answer, assistant.prompts)}}],
                "usage": usage(messages_text(turns), markdown(answer, assistant.prompts)),
                "tiaoli": answer.to_json()})
        pieces = assistant.stream(question, history=history, use_llm=use_llm)
        try:  # a user error before anything is sent gets its HTTP status
            first = await _first(pieces)
        except EmbedderBusyError as exc:
            return _busy(exc)
        except TiaoliError as exc:
            return _error(400, exc.message, "messages")
        return StreamingResponse(
            _stream(assistant, first, pieces, messages_text(turns), ident, created, model),
            media_type="text/event-stream")


def messages_text(turns: list[Turn]) -> str:
    """The conversation's text, as ``usage`` counts it."""
    return "".join(t.content for t in turns)


def usage(prompt: str, reply: str) -> dict[str, Any]:
    """OpenAI's ``usage``, counted in characters (Tiaoli runs no tokenizer of an LLM's);
    ``unit`` says so."""
    return {"prompt_tokens": len(prompt), "completion_tokens": len(reply),
            "total_tokens": len(prompt) + len(reply), "unit": "characters"}


async def _first(pieces: Iterator[str | Answer]) -> str | Answer:
    """The first piece of a streamed answer, made on a worker thread."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(next, pieces)


async def _run(assistant: Assistant, question: str, history: list[Turn],
               use_llm: bool) -> Answer:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(assistant.ask, question, history=history, use_llm=use_llm)


def _stream(assistant: Assistant, first: str | Answer, pieces: Iterator[str | Answer],
            prompt: str, ident: str, created: int, model: str) -> Iterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``."""
    def chunk(delta: dict[str, Any], finish: str | None = None,
              extra: dict[str, Any] | None = None) -> str:
        data: dict[str, Any] = {"id": ident, "object": "chat.completion.chunk",
                                "created": created, "model": model,
                                "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}
        if extra:
            data.update(extra)
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sent = ""
    answer: Answer | None = None
    try:
        for piece in itertools.chain([first], pieces):
            if isinstance(piece, Answer):
                answer = piece
            else:
                sent += piece
                yield chunk({"content": piece})
    except TiaoliError as exc:
        error = {"message": exc.message, "type": "invalid_request_error",
                 "param": "messages", "code": None}
        yield f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
        return
    assert answer is not None  # stream() always ends with the Answer
    full = markdown(answer, assistant.prompts)
    # What streamed was the answer as it was made; a fallback or refusal may
    # replace it, so the rest of the final text follows in one piece.
    rest = full[len(sent):] if full.startswith(sent) else "\n\n" + full
    if rest:
        yield chunk({"content": rest})
    yield chunk({}, "stop", {"tiaoli": answer.to_json(), "usage": usage(prompt, full)})
    yield "data: [DONE]\n\n"
