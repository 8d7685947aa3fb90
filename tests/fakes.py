"""Test doubles at the seams."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from assistant.search.embeddings import TiaoliEmbeddings


class HashEmbeddings(TiaoliEmbeddings):
    """A deterministic embedder: character bigrams hashed into 64 dimensions.

    Texts sharing bigrams land close together, which is enough to exercise the
    index and the fusion without loading a model.
    """

    def __init__(self, dim: int = 64, id: str = "hash-64") -> None:
        self._dim = dim
        self.id = id
        self.calls = 0

    def encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for i in range(max(len(text) - 1, 1)):
                h = int.from_bytes(hashlib.blake2b(text[i:i + 2].encode(), digest_size=4).digest(),
                                   "little")
                out[row, h % self._dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    @property
    def dim(self) -> int:
        return self._dim


def fake_chat(*replies: str) -> Any:
    """LangChain's GenericFakeChatModel, answering ``replies`` in turn (streamed by words)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def failing_chat(error: Exception) -> Any:
    """A chat model whose endpoint fails as ``error``."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class Failing(GenericFakeChatModel):
        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            raise error

    return Failing(messages=iter([]))


def stalled_chat(seconds: float) -> Any:
    """A chat model that sends nothing for ``seconds`` (an endpoint that hangs)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class Stalled(GenericFakeChatModel):
        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            time.sleep(seconds)
            yield from ()

    return Stalled(messages=iter([]))


def prompted_chat(reply: Any) -> Any:
    """A GenericFakeChatModel whose reply is ``reply(prompt)``, the prompt being the text
    of the last message; ``model.prompts`` lists the prompts it was sent."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    prompts: list[str] = []

    class Prompted(GenericFakeChatModel):
        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> ChatResult:
            prompt = str(messages[-1].content)
            prompts.append(prompt)
            message = AIMessage(content=reply(prompt))
            return ChatResult(generations=[ChatGeneration(message=message)])

    model = Prompted(messages=iter([]))
    object.__setattr__(model, "prompts", prompts)
    return model
