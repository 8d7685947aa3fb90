"""The JSON API (FastAPI), served beside the chat page.

``POST /api/ask``, ``POST /api/check``, ``GET /api/articles/{n}``, ``GET /api/search``,
``GET /api/regulations``, ``GET /api/export/{format}``, ``POST /api/feedback``,
``GET /healthz``, and the
OpenAI-compatible ``/v1`` routes (openai_compat.py); described by OpenAPI at
``/openapi.json`` (``/docs``). User errors are 4xx with
``{"error": "…", "hint": "…"}``, never a 500.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from .. import __version__
from ..answer.conversation import Turn
from ..app import Assistant
from ..errors import TiaoliError, UnknownArticleError
from ..review.check import Checker
from ..review.exports import FORMATS, export, file_name
from ..search.embeddings import EmbedderBusyError
from ..search.retrieval import hit_json
from ..text.corpus import article_json
from .feedback import FeedbackStore
from .guard import RequestGuard, error_body
from .openai_compat import add_openai_routes


class Message(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    """A question, in Chinese or English, with the conversation so far."""

    question: str = Field(description="The question, in Chinese or English.")
    lang: Literal["auto", "zh", "en"] | None = Field(
        default=None, description="The answer's language; default: the question's.")
    history: list[Message] | None = Field(
        default=None, max_length=50,
        description="Earlier turns, oldest first; follow-ups are rewritten with them.")
    regulation: str | None = Field(
        default=None, max_length=200,
        description="Limit the answer to one regulation (id, title or alias); default: all "
                    "loaded, or the ones the question names.")


class CitationOut(BaseModel):
    """A provision: its number, label, official Chinese and our English."""

    article: int
    paragraph: int | None
    label: str
    zh: str
    en: str | None
    regulation: str = ""


class AnswerOut(BaseModel):
    """The Answer JSON of DESIGN.md."""

    question: str
    lang: Literal["zh", "en"]
    mode: str
    answer: str
    refused: bool
    citations: list[CitationOut]
    related: list[CitationOut]
    notes: list[str] = []
    searched: str | None = None
    choices: list[str] = []


class CheckRequest(BaseModel):
    """A statement about the regulation, to check against its provisions."""

    statement: str = Field(description="The statement, in Chinese or English.")
    lang: Literal["auto", "zh", "en"] | None = Field(
        default=None, description="The statement's language; default: detected.")


class DifferenceOut(BaseModel):
    """One element on which the statement departs from the provision."""

    element: Literal["polarity", "figure", "actor", "modality", "scope", "list"]
    statement: str = Field(description="The statement's words.")
    provision: str = Field(description="The provision's words.")


class CheckOut(BaseModel):
    """The check JSON of DESIGN.md."""

    statement: str
    lang: Literal["zh", "en"]
    verdict: Literal["supported", "partly_supported", "contradicted", "not_stated"]
    citations: list[CitationOut]
    explanation: str
    differences: list[DifferenceOut]
    mode: str
    notes: list[str] = []


class FeedbackCitation(BaseModel):
    """A provision the rated answer cited, as the Answer JSON gave it (each field capped:
    a paragraph is at most a few thousand characters)."""

    article: int = Field(ge=0, le=100_000)
    paragraph: int | None = Field(default=None, ge=0, le=1000)
    label: str = Field(max_length=300)
    zh: str = Field(max_length=10_000)
    en: str | None = Field(default=None, max_length=20_000)
    regulation: str = Field(default="", max_length=200)


class FeedbackIn(BaseModel):
    """A rating of one answer, with the answer it is about; every field is capped, so
    feedback cannot fill the disk."""

    rating: Literal["up", "down"]
    question: str = Field(max_length=4000)
    answer: str = Field(max_length=30_000)
    citations: list[FeedbackCitation] = Field(default=[], max_length=20)
    comment: str = Field(default="", max_length=2000)
    lang: Literal["zh", "en"] | None = None
    mode: str | None = Field(default=None, max_length=200)


class ErrorOut(BaseModel):
    """A user error: what went wrong and how to fix it."""

    error: str
    hint: str | None = None


def _error(status: int, message: str, hint: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint}, status_code=status)


def create_api(assistant: Assistant) -> FastAPI:
    """The FastAPI app holding the JSON API; the page is mounted on it (web.py)."""
    library = assistant.library
    app = FastAPI(
        docs_url=None,  # served below from local assets, so /docs works offline
        title="Tiaoli API",
        version=__version__,
        description="Cited bilingual answers about " + "; ".join(
            f"the {r.title_en or r.title_zh} ({r.title_zh})" for r in library.regulations) + ".",
    )
    app.add_middleware(RequestGuard, max_body_bytes=assistant.settings.max_body_bytes)
    # A deliberate CORS policy: only the origins listed in TIAOLI_CORS_ORIGINS (none by
    # default), never with credentials. Its presence also stops Gradio adding its own,
    # which lets any localhost page call every route with credentials.
    app.add_middleware(CORSMiddleware, allow_origins=list(assistant.settings.cors_allow_list),
                       allow_methods=["GET", "POST"], allow_headers=["content-type"],
                       allow_credentials=False, max_age=600)
    _offline_docs(app)
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return _error(422, "the request body is not valid JSON",
                          'send {"question": "…"} with Content-Type: application/json')
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = first.get("msg", "invalid request")
        return _error(422, f"{where}: {message}" if where else message,
                      "see /docs for the request format")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # OpenAI's shape under /v1, {"error", "hint"} elsewhere (guard.error_body).
        return Response(error_body(request.url.path, exc.status_code, str(exc.detail),
                                   "the API's routes are described at /docs"),
                        status_code=exc.status_code, media_type="application/json")

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return _error(400, "the request body is nested too deeply to read",
                      'send {"question": "…"}')

    @app.exception_handler(UnicodeEncodeError)
    async def not_unicode(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        return _error(400, "the request holds text that is not valid Unicode (a lone "
                      "surrogate such as \\ud800)", "send the text as it was typed")

    @app.exception_handler(EmbedderBusyError)
    async def busy(request: Request, exc: EmbedderBusyError) -> JSONResponse:
        response = _error(503, exc.message, exc.hint)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(UnknownArticleError)
    async def unknown(request: Request, exc: UnknownArticleError) -> JSONResponse:
        return _error(404, exc.message, exc.hint)

    @app.exception_handler(TiaoliError)
    async def user_error(request: Request, exc: TiaoliError) -> JSONResponse:
        return _error(400, exc.message, exc.hint)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, Any]:
        """Liveness, and what is loaded."""
        return {"status": "ok", "regulation": library.ids[0] if not library.multiple else None,
                "regulations": list(library.ids),
                "articles": sum(len(r.articles) for r in library.regulations),
                "embedder": assistant.embeddings.id,
                "answerer": assistant.llm.mode if assistant.llm else "extractive"}

    # Plain (sync) handlers run in FastAPI's thread pool, so one slow request
    # does not hold up the others.
    @app.post("/api/ask", response_model=AnswerOut, responses=errors, tags=["answers"])
    def ask(body: AskRequest) -> dict[str, Any]:
        """Answer a question with cited provisions, or refuse it with related ones."""
        history = [Turn(m.role, m.content) for m in body.history or []]
        lang = None if body.lang in (None, "auto") else body.lang
        return assistant.ask(body.question, lang=lang, history=history,  # type: ignore[arg-type]
                             regulation=body.regulation).to_json()

    checker = Checker(assistant)

    @app.post("/api/check", response_model=CheckOut, responses=errors, tags=["answers"])
    def check(body: CheckRequest) -> dict[str, Any]:
        """Check a statement: supported, partly_supported, contradicted or not_stated, with
        the provision quoted and each difference from it."""
        lang = None if body.lang in (None, "auto") else body.lang
        return checker.check(body.statement, lang).to_json()  # type: ignore[arg-type]

    which = Query(default=None, max_length=200,
                  description="The regulation (id, title or alias); needed when several are "
                              "loaded, unless TIAOLI_REGULATION names one.")

    @app.get("/api/regulations", tags=["regulation"])
    def regulations() -> dict[str, Any]:
        """The loaded regulations: id, titles, short titles and article count."""
        return {"regulations": [
            {"id": r.id, "title": {"zh": r.title_zh, "en": r.title_en},
             "short_title": {"zh": r.short_zh, "en": r.short_en},
             "articles": len(r.articles)} for r in library.regulations]}

    @app.get("/api/articles/{number}", responses=errors, tags=["regulation"])
    def article(number: int, regulation: str | None = which) -> dict[str, Any]:
        """One article, paragraph by paragraph, in Chinese and English (as in `tiaoli export`)."""
        reg = library.choose(regulation or assistant.settings.regulation)
        return ({"regulation": reg.id} if library.multiple else {}) | article_json(
            reg.article(number))

    exported: dict[tuple[str, str], bytes] = {}  # the texts do not change while serving

    @app.get("/api/export/{fmt}", responses=errors, tags=["regulation"],
             response_class=Response)
    def export_file(fmt: Literal["json", "tmx", "tbx", "xliff", "docx"],
                    regulation: str | None = which) -> Response:
        """The regulation as a file: `json` (as `tiaoli export --json`), `tmx` (a
        translation memory), `xliff` (the Chinese to translate), `docx` (the side-by-side
        text as a Word table); `tbx` is its glossary as a term base."""
        reg = library.choose(regulation or assistant.settings.regulation)
        key = (reg.id, fmt)
        if key not in exported:
            exported[key] = export(reg, library.glossaries.get(reg.id, ()), fmt,
                                   assistant.prompts)
        return Response(exported[key], media_type=FORMATS[fmt][1], headers={
            "Content-Disposition": f'attachment; filename="{file_name(reg, fmt)}"'})

    @app.get("/api/search", responses=errors, tags=["answers"])
    def search(q: str = Query(description="The question or words to find."),
               k: int = Query(default=assistant.settings.search_k, ge=1, le=50),
               regulation: str | None = Query(
                   default=None, max_length=200,
                   description="Limit the search to one regulation (id, title or alias).")
               ) -> dict[str, Any]:
        """The articles that answer `q`, best first, with their best paragraphs."""
        hits = assistant.retriever.search(q, k, within=regulation)
        return {"question": q, "hits": [hit_json(h, library) for h in hits]}

    store = FeedbackStore(assistant.settings.home)

    @app.post("/api/feedback", responses=errors, tags=["feedback"])
    def feedback(body: FeedbackIn) -> dict[str, Any]:
        """Rate an answer (up or down, with an optional comment); it is stored with its
        question, citations, mode and the index version. Nothing else is ever stored."""
        ident = store.add(rating=body.rating, question=body.question, answer=body.answer,
                          citations=[c.model_dump() for c in body.citations],
                          comment=body.comment, lang=body.lang, mode=body.mode,
                          index_version=assistant.index_version)
        return {"id": ident, "stored": True}

    add_openai_routes(app, assistant)
    return app


def _offline_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI 5 from the swagger-ui-py package's files, never a CDN."""
    from importlib import resources

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = str(resources.files("swagger_ui").joinpath("static"))
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="openapi.json", title="Tiaoli API",
            swagger_js_url="docs-assets/swagger-ui-bundle.js",
            swagger_css_url="docs-assets/swagger-ui.css",
            swagger_favicon_url="docs-assets/favicon-32x32.png")
