"""GET /api/passages/{passage_id}: a citation's passage with its neighbours."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from rag.api.deps import SnapshotDep
from rag.api.security import known_query
from rag.api.views import document_summary
from rag.errors import NotFound
from rag.wire.documents import PassageDetail

router = APIRouter(tags=["citations"])


@router.get(
    "/passages/{passage_id}", response_model=PassageDetail, dependencies=[Depends(known_query)]
)
def get_passage(passage_id: str, snapshot: SnapshotDep) -> PassageDetail:
    """A passage, its offsets, its document's metadata and the previous and next passages."""
    store = snapshot.store
    row = store.row_of(passage_id)
    if row is None:
        raise NotFound(f"no passage with id {passage_id!r}")
    passage = store.passages[row]

    def neighbour(at: int) -> str | None:
        inside = 0 <= at < len(store.passages)
        same = inside and store.document_of_row(at) is store.document_of_row(row)
        return store.passages[at].passage_id if same else None

    return PassageDetail(
        **passage.model_dump(),
        document=document_summary(store, store.documents[passage.document_id]),
        previous_passage_id=neighbour(row - 1),
        next_passage_id=neighbour(row + 1),
    )
