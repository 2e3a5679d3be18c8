"""Filters a client sends with a question or a search: which articles may be drawn on."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rag import limits
from rag.errors import InvalidInput
from rag.retrieval.filters import Filters
from rag.wire.fields import text_field

Outlet = text_field(limits.OUTLET_CHARS, min_length=1, strip=True)
DocumentId = text_field(limits.DOCUMENT_ID_CHARS, min_length=1, strip=True)


class FilterFields(BaseModel):
    """Every filter given must hold. A date filter admits only articles that state their
    publication date; dates compare by calendar day."""

    model_config = ConfigDict(extra="forbid")  # a misspelt filter must not be ignored

    outlets: list[Outlet] = Field(  # type: ignore[valid-type]
        default_factory=list,
        max_length=limits.FILTER_VALUES,
        description="Only these outlets (any of them; case does not matter).",
    )
    published_from: date | None = Field(default=None, description="Published on or after.")
    published_to: date | None = Field(default=None, description="Published on or before.")
    document_ids: list[DocumentId] = Field(  # type: ignore[valid-type]
        default_factory=list,
        max_length=limits.FILTER_VALUES,
        description="Only these articles (any of them).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> FilterFields:
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError("published_from is after published_to")
        return self

    def filters(self) -> Filters:
        return Filters.of(
            outlets=self.outlets,
            published_from=self.published_from,
            published_to=self.published_to,
            document_ids=self.document_ids,
        )


def to_filters(fields: FilterFields | None) -> Filters:
    return fields.filters() if fields is not None else Filters()


def query_filters(
    outlets: list[str],
    published_from: date | None,
    published_to: date | None,
    document_ids: list[str],
) -> Filters:
    """Filters from query parameters, checked like the JSON ones (InvalidInput if not)."""
    try:
        fields = FilterFields(
            outlets=outlets,
            published_from=published_from,
            published_to=published_to,
            document_ids=document_ids,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in error["loc"]) or "filters"
        raise InvalidInput(f"{where}: {message}") from None
    return fields.filters()
