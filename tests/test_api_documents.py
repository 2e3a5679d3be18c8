"""The HTTP API through an in-process client: citation look-ups (passages, documents with a
highlight) and document management (token rules, add, upload, delete, restart, CORS)."""

import pytest
from fastapi.testclient import TestClient

from rag.api.app import create_app
from rag.services import Services
from tests.support import assert_error

AUTH = {"Authorization": "Bearer s3cret-token"}
TEHRAN = "Why did Tehran rebuff Baghdad?"


# --- citation look-ups ---------------------------------------------------------------------


def test_passage_lookup_has_offsets_metadata_and_neighbours(client):
    body = client.get("/api/passages/000_9333b7dd7e7da588-p001").json()
    assert body["previous_passage_id"] == "000_9333b7dd7e7da588-p000"
    assert body["next_passage_id"] == "000_9333b7dd7e7da588-p002"
    assert body["document"]["outlet"] == "Kurdistan 24"
    first = client.get("/api/passages/000_9333b7dd7e7da588-p000").json()
    assert first["previous_passage_id"] is None


def test_document_list_and_detail_with_highlight(client):
    documents = client.get("/api/documents").json()["documents"]
    assert len(documents) == 5 and all(d["passages"] > 0 and d["characters"] > 0 for d in documents)
    citation = client.post("/api/ask", json={"question": TEHRAN}).json()["citations"][0]
    detail = client.get(
        f"/api/documents/{citation['document_id']}",
        params={"start": citation["start"], "end": citation["end"]},
    ).json()
    assert detail["highlight"]["text"] == citation["quote"]
    assert detail["highlight"]["context_before"] and detail["highlight"]["context_after"]
    assert detail["passage_spans"][0]["start"] == 0
    assert client.get(f"/api/documents/{citation['document_id']}").json()["highlight"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/passages/nope",
        "/api/passages/..%2F..%2Fetc%2Fpasswd",
        "/api/documents/nope",
        "/api/documents/..%2F..%2Fetc%2Fpasswd",
        "/api/documents/%00",
    ],
)
def test_unknown_and_malformed_ids_are_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "params",
    [{"start": 10}, {"start": 50, "end": 10}, {"start": 0, "end": 10**9}, {"start": -1, "end": 5}],
)
def test_bad_highlight_ranges_are_422(client, params):
    response = client.get("/api/documents/000_9333b7dd7e7da588", params=params)
    assert response.status_code == 422 and response.json()["error"]["message"]


# --- document management -------------------------------------------------------------------


ARTICLE = {
    "title": "Dust storm shuts Basra port",
    "text": "A dust storm closed the port of Umm Qasr near Basra on Tuesday, port officials said. "
    "Ships waited offshore for two days before the docks reopened.",
    "outlet": "Gulf Wire",
}


def test_writes_are_disabled_without_a_token(api_settings, embedder):
    settings = api_settings.model_copy(update={"api_token": None})
    with TestClient(
        create_app(settings, services=Services.load(settings, embedder=embedder))
    ) as client:
        assert_error(
            client.post("/api/documents", json=ARTICLE, headers=AUTH), 403, "writes_disabled"
        )
        assert_error(
            client.delete("/api/documents/000_9333b7dd7e7da588", headers=AUTH),
            403,
            "writes_disabled",
        )


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic czNjcmV0"}, 401, "unauthorized"),
        ({"Authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"Authorization": "Bearer s3cret-token-and-more"}, 403, "forbidden"),
    ],
)
def test_token_rules(client, headers, status, code):
    assert_error(client.post("/api/documents", json=ARTICLE, headers=headers), status, code)
    assert_error(
        client.delete("/api/documents/000_9333b7dd7e7da588", headers=headers), status, code
    )
    assert len(client.get("/api/documents").json()["documents"]) == 5


def test_add_then_ask_cites_it_then_delete_and_never_again(client):
    added = client.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert added.status_code == 201
    body = added.json()
    document_id = body["document_id"]
    assert not body["duplicate"] and body["passages"] and body["document"]["outlet"] == "Gulf Wire"
    again = client.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert (
        again.status_code == 200
        and again.json()["duplicate"]
        and again.json()["document_id"] == document_id
    )
    answer = client.post("/api/ask", json={"question": "What closed the port of Umm Qasr?"}).json()
    assert document_id in {c["document_id"] for c in answer["citations"]}
    deleted = client.delete(f"/api/documents/{document_id}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": document_id, "documents": 5}
    answer = client.post("/api/ask", json={"question": "What closed the port of Umm Qasr?"}).json()
    assert document_id not in {c["document_id"] for c in answer["citations"]}
    hits = client.get("/api/search", params={"q": "dust storm Umm Qasr", "k": 50}).json()["hits"]
    assert all(h["document_id"] != document_id for h in hits)
    assert_error(client.delete(f"/api/documents/{document_id}", headers=AUTH), 404, "not_found")


def test_upload_files(client):
    html = b"<html><head><title>Port news</title></head><body><script>alert(1)</script><p>Fog closed Basra airport on Friday. Flights resumed on Saturday.</p></body></html>"
    response = client.post(
        "/api/documents",
        files={"file": ("story.html", html, "text/html")},
        data={"outlet": "Basra Daily"},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    document = client.get(f"/api/documents/{response.json()['document_id']}").json()
    assert document["title"] == "Port news" and document["outlet"] == "Basra Daily"
    assert "alert" not in document["text"]
    assert_error(
        client.post(
            "/api/documents",
            files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")},
            headers=AUTH,
        ),
        415,
        "unsupported_media_type",
    )
    assert_error(
        client.post(
            "/api/documents", files={"file": ("empty.txt", b"", "text/plain")}, headers=AUTH
        ),
        422,
        "invalid_input",
    )
    assert_error(
        client.post(
            "/api/documents", content=b"hello", headers={**AUTH, "content-type": "text/plain"}
        ),
        415,
        "unsupported_media_type",
    )
    assert_error(
        client.post("/api/documents", json={"title": "x"}, headers=AUTH), 422, "invalid_input"
    )


def test_changes_persist_across_a_restart(api_settings, embedder):
    services = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=services)) as client:
        added = client.post("/api/documents", json=ARTICLE, headers=AUTH).json()["document_id"]
        assert client.delete("/api/documents/004_e552daac84679f61", headers=AUTH).status_code == 200
    restarted = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=restarted)) as client:
        ids = {d["document_id"] for d in client.get("/api/documents").json()["documents"]}
        assert added in ids and "004_e552daac84679f61" not in ids


def test_cors_is_closed_by_default_and_configurable(client, api_settings, embedder):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert (
        "access-control-allow-origin" not in client.options("/api/ask", headers=preflight).headers
    )
    settings = api_settings.model_copy(update={"cors_origins": ["https://app.example"]})
    with TestClient(
        create_app(settings, services=Services.load(settings, embedder=embedder))
    ) as open_client:
        response = open_client.options(
            "/api/ask", headers={**preflight, "Origin": "https://app.example"}
        )
        assert response.headers["access-control-allow-origin"] == "https://app.example"
