"""Questions embedded at the same time share a model run (rag/embedding.py, _Coalescer):
each caller must still get its own text's vector, a lone question must run at once, and a
failed run must fail its callers without wedging the ones after."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from rag import embedding
from rag.embedding import _Coalescer

QUESTIONS = [
    "Why did Tehran rebuff Baghdad?",
    "Who was Kataib Hezbollah's first leader?",
    "How many homes will the new water plant in Basra supply?",
    "Why?",
    "What did the chancellor say about taxes in the budget speech last week?",
    "Which club did the striker join in January, and for how much?",
]


class DoublingModel:
    """A deterministic stand-in for the model run the coalescer batches: each row's vector
    is its ids doubled; records the batch sizes and can be told to fail a batch."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds = seconds
        self.batches: list[int] = []
        self.poison: set[int] = set()  # a batch holding one of these ids fails
        self.started = threading.Event()

    def __call__(self, rows: list[np.ndarray]) -> np.ndarray:
        self.batches.append(len(rows))
        self.started.set()
        time.sleep(self.seconds)
        if any(int(r[0]) in self.poison for r in rows):
            raise RuntimeError("the model failed")
        return np.stack([r * 2.0 for r in rows])


def test_concurrent_callers_share_runs_and_each_gets_its_own_vector():
    model = DoublingModel()
    coalescer = _Coalescer(model)
    inputs = [np.array([i, i + 1], dtype=np.float32) for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(coalescer.vector, inputs))
    for given, got in zip(inputs, results, strict=True):
        assert np.array_equal(got, given * 2)
    assert sum(model.batches) == len(inputs)
    assert len(model.batches) < len(inputs)  # some callers shared a run
    assert max(model.batches) <= 8


def test_a_run_takes_at_most_its_share_and_the_rest_wait_for_the_next():
    model = DoublingModel()
    coalescer = _Coalescer(model, most=3)
    inputs = [np.array([i], dtype=np.float32) for i in range(30)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(coalescer.vector, inputs))
    assert all(np.array_equal(got, given * 2) for given, got in zip(inputs, results, strict=True))
    assert max(model.batches) == 3 and sum(model.batches) == len(inputs)


def test_a_lone_caller_runs_at_once_alone():
    model = DoublingModel(seconds=0.0)
    coalescer = _Coalescer(model)
    for i in range(3):
        assert np.array_equal(coalescer.vector(np.array([i], dtype=np.float32)), [2.0 * i])
    assert model.batches == [1, 1, 1]


def test_a_failed_run_fails_its_callers_and_the_next_ones_still_run():
    model = DoublingModel(seconds=0.05)
    coalescer = _Coalescer(model)
    model.poison = {7, 8}
    outcomes: dict[int, object] = {}

    def call(i: int) -> None:
        try:
            outcomes[i] = coalescer.vector(np.array([i], dtype=np.float32))
        except RuntimeError as exc:
            outcomes[i] = exc

    first = threading.Thread(target=call, args=(1,))
    first.start()
    model.started.wait()  # the first run is going: these two wait and share the next one
    waiting = [threading.Thread(target=call, args=(i,)) for i in (7, 8)]
    for thread in waiting:
        thread.start()
    for thread in (first, *waiting):
        thread.join(timeout=5)
    assert np.array_equal(outcomes[1], [2.0])
    for i in (7, 8):  # the caller that ran the batch gets the error, the other one its cause
        assert isinstance(outcomes[i], RuntimeError) and "the model failed" in str(outcomes[i])
    model.poison = set()
    assert np.array_equal(coalescer.vector(np.array([3], dtype=np.float32)), [6.0])


def test_questions_embedded_together_get_the_vectors_they_get_alone(embedder):
    alone = [embedder.embed([q])[0] for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: embedder.embed([q])[0], QUESTIONS * 4))
    for i, vector in enumerate(together):
        assert np.allclose(vector, alone[i % len(QUESTIONS)], atol=1e-5)


class Interrupting(threading.Event):
    def wait(self, timeout: float | None = None) -> bool:
        raise KeyboardInterrupt


def test_a_caller_interrupted_while_waiting_leaves_and_wedges_no_one(monkeypatch):
    model = DoublingModel(seconds=0.05)
    coalescer = _Coalescer(model)

    class Slot(embedding._Slot):
        def __init__(self, ids: np.ndarray) -> None:
            super().__init__(ids)
            if int(ids[0]) == 9:
                self.ready = Interrupting()

    monkeypatch.setattr(embedding, "_Slot", Slot)
    first = threading.Thread(target=coalescer.vector, args=(np.array([1], dtype=np.float32),))
    first.start()
    model.started.wait()  # the model is busy: the next caller queues, then is interrupted
    with pytest.raises(KeyboardInterrupt):
        coalescer.vector(np.array([9], dtype=np.float32))
    first.join(timeout=5)
    after: list[np.ndarray] = []  # a daemon thread: a wedged coalescer fails the test, not hangs it
    later = threading.Thread(
        target=lambda: after.append(coalescer.vector(np.array([3], dtype=np.float32))),
        daemon=True,
    )
    later.start()
    later.join(timeout=5)
    assert after and np.array_equal(after[0], [6.0])
    assert model.batches == [1, 1]  # the interrupted caller's text never ran
