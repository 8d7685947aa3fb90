"""The e5 embedder's two lanes: short texts never wait behind long ones, and the long lane
refuses rather than queue without end."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.search.embeddings import E5_WINDOW, E5SmallEmbeddings, EmbedderBusyError

SHORT = "第十七条讲什么？"
LONG = "县级以上人民政府应当如何保障制造业用地？" * 30


@pytest.fixture(scope="module")
def e5() -> E5SmallEmbeddings:
    return E5SmallEmbeddings(long_queue=2, long_wait=0.3)


def test_both_lanes_give_the_same_vectors(e5: E5SmallEmbeddings) -> None:
    alone = e5.encode([SHORT], query=True)  # the short lane
    batch = e5.encode([SHORT, "Article 17"], query=True)  # a batch: the long lane
    assert np.allclose(alone[0], batch[0], atol=1e-5)


def test_a_short_text_is_embedded_while_the_long_lane_is_held(e5: E5SmallEmbeddings) -> None:
    done = threading.Event()
    with e5._lock:  # a long text is being embedded
        worker = threading.Thread(target=lambda: (e5.encode([SHORT], query=True), done.set()))
        worker.start()
        worker.join(timeout=60)
    assert done.is_set()


def test_a_long_text_waits_no_longer_than_the_deadline(e5: E5SmallEmbeddings) -> None:
    with e5._lock, pytest.raises(EmbedderBusyError, match="waited"):
        e5.encode([LONG], query=True)


def test_a_full_long_queue_refuses_at_once(e5: E5SmallEmbeddings) -> None:
    held = [e5._waiting.acquire(blocking=False) for _ in range(3)]  # the queue's 2 + 1
    try:
        assert all(held)
        with pytest.raises(EmbedderBusyError, match="busy with long texts"):
            e5.encode([LONG], query=True)
    finally:
        for _ in held:
            e5._waiting.release()


def test_a_text_is_cut_to_the_window(e5: E5SmallEmbeddings) -> None:
    fitted = e5.fit(LONG * 3, query=True)
    assert fitted != LONG * 3
    assert LONG.startswith(fitted[:100])
    count = e5._counter.token_count
    assert count(fitted, is_query=True) <= E5_WINDOW < count(fitted + LONG[:20], is_query=True)
    assert e5._fitted(fitted, True) == (fitted, count(fitted, is_query=True))
