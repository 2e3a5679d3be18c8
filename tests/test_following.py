"""A server follows the index on disk: writes made by another process (a CLI command,
another worker of the same server) are seen by the next request, applied from their
segments rather than by reloading; a compaction or rebuild made elsewhere is taken too."""

from __future__ import annotations

import shutil
import threading

import pytest

from rag.config import Settings
from rag.errors import IndexNotReady
from rag.index.atomic import writer_lock
from rag.index.maintain import IndexTarget, add_documents, rebuild, remove_documents
from rag.services import Services
from tests.support import SEEDS
from tests.test_incremental_index import CRANES, FLOOD, article


def worker(settings: Settings, target: IndexTarget, embedder) -> Services:
    return Services.load(settings, embedder=embedder, annotator=target.annotator)


def test_writes_by_another_process_are_seen_by_the_next_request(target, settings, embedder):
    services = worker(settings, target, embedder)
    before = services.current().store
    flood = article(FLOOD, "flood")
    add_documents(target, [flood])  # as `rag add` would, beside the server
    after = services.current().store
    assert flood.id in after.documents
    assert after.vectors.base is before.vectors.base  # applied, not reloaded
    answer = services.answerer().answer("Which port did flooding close?")
    assert answer.citations and answer.citations[0].document_id == flood.id
    remove_documents(target, [flood.id])
    assert flood.id not in services.current().store.documents
    answer = services.answerer().answer("Which port did flooding close?")
    assert all(c.document_id != flood.id for c in answer.citations)


def test_two_workers_see_each_others_writes_and_compactions(target, settings, embedder):
    first, second = (worker(settings, target, embedder) for _ in range(2))
    flood, cranes = article(FLOOD, "flood"), article(CRANES, "cranes")
    first.add([flood])
    assert flood.id in second.current().store.documents
    old_base = second.current().store.vectors.base
    assert first.compact()  # a new base on disk; the second worker still holds the old one
    second_store = second.current().store
    assert flood.id in second_store.documents and second_store.vectors.base is old_base
    first.add([cranes])  # a write over the new base
    assert {flood.id, cranes.id} <= set(second.current().store.documents)
    assert second.rebase() or second.current().store.vectors.base is not old_base
    rebased = second.current().store
    assert rebased.vectors.base is not old_base
    assert rebased.manifest.files == first.current().store.manifest.files
    assert set(rebased.documents) == set(first.current().store.documents)
    assert second.compact()  # installs only over the base on disk, which it now holds
    assert set(first.current().store.documents) == set(second.current().store.documents)
    second.remove([cranes.id])
    assert cranes.id not in first.current().store.documents


def test_a_rebuild_by_another_process_is_loaded(target, settings, embedder):
    services = worker(settings, target, embedder)
    gone = "004_e552daac84679f61"
    services.remove([gone])
    rebuild(target, SEEDS)  # `rag index` puts the removed seed back
    assert gone in services.current().store.documents


def test_an_index_deleted_and_rebuilt_is_never_taken_for_the_old_one(target, settings, embedder):
    """Rebuilt from nothing, the index restarts its write numbers: base 0 and a first write
    again, maybe the very same bytes. Only the lineage tells it from the one in memory."""
    services = worker(settings, target, embedder)
    gone = "004_e552daac84679f61"
    services.remove([gone])  # write 1 over base 0
    shutil.rmtree(target.directory)
    rebuild(target, SEEDS)  # base 0 again, the seed back
    flood = article(FLOOD, "flood")
    add_documents(target, [flood])  # write 1 again
    assert {gone, flood.id} <= set(services.current().store.documents)
    services.compact()
    assert {gone, flood.id} <= set(target.load().documents)


def test_an_index_that_appears_after_start_is_loaded(tmp_path, embedder, target):
    empty = tmp_path / "later"
    settings = Settings(index_dir=empty, seeds_dir=SEEDS)
    services = Services.load(settings, embedder=embedder, annotator=target.annotator)
    assert not services.ready
    with pytest.raises(IndexNotReady):
        services.current()
    rebuild(IndexTarget(empty, embedder, target.params, annotator=target.annotator), SEEDS)
    assert services.ready  # what /api/health asks
    assert len(services.current().store.documents) == 5


def test_a_base_compacted_elsewhere_never_makes_readers_wait_for_the_lock(
    target, settings, embedder
):
    first, second = (worker(settings, target, embedder) for _ in range(2))
    first.add([article(FLOOD, "flood")])
    second.current()
    assert first.compact()
    answered = threading.Event()
    with writer_lock(target.directory):  # a long write elsewhere (`rag index`) holds it
        reader = threading.Thread(target=lambda: (second.current(), answered.set()))
        reader.start()
        assert answered.wait(10), "a reader waited for the writer lock"
    reader.join()


def test_a_broken_write_elsewhere_leaves_the_last_good_snapshot(target, settings, embedder):
    services = worker(settings, target, embedder)
    before = services.current()
    add_documents(target, [article(FLOOD, "flood")])
    vectors = target.directory / "segments" / "000001-add" / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-8])
    assert services.current() is before  # still answering, from what it had
    assert services.answerer().answer("Why did Tehran rebuff Baghdad?").citations
