"""Bad input and hostile files: clear errors, the index intact, and code-level guarantees
(no pickle or eval, the page never inserts HTML, errors never leak internals).
Crashes mid-write and load: test_crashes_and_load.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from rag.cli import CliContext, main
from rag.config import Settings
from rag.index.maintain import IndexTarget
from rag.ingest.chunking import ChunkerParams
from tests.support import ROOT, SEEDS, file_hashes

AUTH = {"Authorization": "Bearer s3cret-token"}
PROBES = ["why did Tehran rebuff Baghdad", "Kataeb Hezbollah founded", "Masoud Barzani warning"]


def fingerprint(directory: Path, client: TestClient | None = None) -> tuple:
    """File hashes, plus search results when a client is given."""
    hashes = file_hashes(directory)
    if client is None:
        return (hashes,)
    results = [client.get("/api/search", params={"q": q, "k": 5}).json() for q in PROBES]
    return hashes, results


# --- API input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": ""}, 422),
        ({"question": " \t\n "}, 422),
        ({"question": "x" * 10_000}, 422),
        ({"question": 42}, 422),
        ({"question": ["a"]}, 422),
        ({"question": "x", "top_k": 0}, 422),
        ({"question": "x", "top_k": -1}, 422),
        ({"question": "x", "top_k": 10**9}, 422),
        ({"question": "x", "top_k": "5"}, 200),  # lax JSON numbers are accepted as in pydantic
        ({"question": "x", "history": [{"role": "user", "content": "a"}] * 10_000}, 422),
        ({"question": "x", "history": [{"role": "user", "content": "a" * 1_048_576}]}, 413),
        ({"question": "x", "history": "not a list"}, 422),
    ],
)
def test_bad_questions_get_the_error_shape(client, body, status):
    response = client.post("/api/ask", json=body)
    assert response.status_code == status, response.text[:200]
    if status >= 400:
        assert set(response.json()) == {"error"} and response.json()["error"]["message"]


def test_bodies_of_the_wrong_kind(client):
    for content, content_type, status in [
        (b"{not json", "application/json", 422),
        (b'{"question": "hi"}', "text/plain", 415),
        (b"question=hi", "application/x-www-form-urlencoded", 415),
        (b"", "application/json", 422),
        (b"x" * 5_000_000, "application/json", 413),
    ]:
        response = client.post("/api/ask", content=content, headers={"content-type": content_type})
        assert response.status_code == status, (content_type, response.text[:200])
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize(
    "question",
    [
        "\x00\x01\x07 Why did Tehran rebuff Baghdad?",
        "Почему Тегеран отказал Багдаду?",
        "لماذا رفضت طهران بغداد؟",
        "Tehran \u202e rebuff \u200b Baghdad 德黑兰?",
        "🙂" * 50,
    ],
)
def test_odd_but_valid_questions_are_answered_or_declined(client, question):
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    body = response.json()
    assert body["abstained"] or body["citations"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/..%2F..%2Fetc%2Fpasswd",
        "/api/documents/%2e%2e%2f%2e%2e%2fetc",
        "/api/documents/%00",
        "/api/passages/%00%00",
        "/api/passages/" + "a" * 5000,
        "/api/documents/doc-%E2%80%AE",
    ],
)
def test_malformed_ids_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- ingestion ------------------------------------------------------------------------------

LATIN1 = "Le président a parlé à Bagdad. Très bien.".encode("latin-1")
CYRILLIC_CP1251 = "Президент выступил в Багдаде. Очень хорошо.".encode("cp1251")
HOSTILE_HTML = (
    "<html><head><title>Port closed</title><style>body{display:none}</style>"
    "<script>fetch('//evil')</script></head><body><p>Fog closed Basra port on Friday.</p>"
    "<p>Ships waited two days offshore.</p></body></html>"
)
FRENCH = (
    "Tempête de sable à Bassora\n\nUne tempête de sable a fermé le port d'Oum Qasr mardi, "
    "selon les autorités portuaires. Les navires ont attendu deux jours au large."
)


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("empty.txt", b"", False),
        ("binary.txt", bytes(range(256)) * 10, False),
        ("latin1.txt", LATIN1, True),  # Western text in Latin-1 is read as Windows-1252
        ("cyrillic.txt", CYRILLIC_CP1251, False),
        ("marks.txt", b"..... ---- !!!", False),
        ("hostile.html", HOSTILE_HTML.encode(), True),
        ("french.txt", FRENCH.encode(), True),
    ],
)
def test_ingestion_via_cli_accepts_or_refuses_and_keeps_the_index(
    settings: Settings, embedder, index_dir: Path, tmp_path: Path, name, content, accepted
):
    path = tmp_path / name
    path.write_bytes(content)
    before = fingerprint(index_dir)
    result = CliRunner().invoke(
        main, ["add", str(path)], obj=CliContext(settings=settings, embedder=embedder)
    )
    if accepted:
        assert result.exit_code == 0 and "added" in result.output
        store = IndexTarget(index_dir, embedder, ChunkerParams()).load()
        added = [d for d in store.documents.values() if d.origin == "added"]
        assert len(added) == 1 and "fetch" not in added[0].text and "display" not in added[0].text
    else:
        assert result.exit_code == 1 and "Traceback" not in result.output and result.output.strip()
        assert fingerprint(index_dir) == before


def test_a_50_megabyte_file_is_refused_before_reading(settings, embedder, index_dir, tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    before = fingerprint(index_dir)
    result = CliRunner().invoke(
        main, ["add", str(path)], obj=CliContext(settings=settings, embedder=embedder)
    )
    assert result.exit_code == 1 and "limit" in result.output
    assert fingerprint(index_dir) == before


def test_ingestion_via_api_refuses_bad_articles_and_keeps_the_index(client, index_dir):
    before = fingerprint(index_dir, client)
    refused = [
        client.post("/api/documents", files={"file": ("empty.txt", b"")}, headers=AUTH),
        client.post(
            "/api/documents", files={"file": ("bin.txt", bytes(range(256)) * 10)}, headers=AUTH
        ),
        client.post("/api/documents", files={"file": ("ru.txt", CYRILLIC_CP1251)}, headers=AUTH),
        client.post("/api/documents", files={"file": ("x.exe", b"MZ\x90\x00")}, headers=AUTH),
        client.post("/api/documents", json={"title": "t", "text": "..... ----"}, headers=AUTH),
        client.post(
            "/api/documents",
            content=b"x" * (11 * 1024 * 1024),
            headers={**AUTH, "content-type": "application/json"},
        ),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422, 415, 422, 413]
    assert all(set(r.json()) == {"error"} for r in refused)
    assert fingerprint(index_dir, client) == before
    seed = (SEEDS / "000_9333b7dd7e7da588.txt").read_bytes()
    duplicate = client.post("/api/documents", files={"file": ("copy.txt", seed)}, headers=AUTH)
    assert duplicate.status_code == 200 and duplicate.json()["duplicate"]
    assert duplicate.json()["document_id"] == "000_9333b7dd7e7da588"
    assert fingerprint(index_dir, client) == before


def test_a_non_english_article_is_indexed_and_found(client):
    added = client.post("/api/documents", files={"file": ("fr.txt", FRENCH.encode())}, headers=AUTH)
    assert added.status_code == 201
    hits = client.get("/api/search", params={"q": "tempête de sable Oum Qasr", "k": 1}).json()[
        "hits"
    ]
    assert hits[0]["document_id"] == added.json()["document_id"]


# --- code-level guarantees ------------------------------------------------------------------


def test_no_pickle_eval_or_exec_in_the_code():
    pattern = re.compile(
        r"\b(import pickle|pickle\.|eval\(|exec\(|allow_dangerous_deserialization)"
    )
    offenders = [
        str(p) for p in (ROOT / "rag").rglob("*.py") if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_page_never_inserts_html():
    pattern = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    offenders = [
        str(p) for p in (ROOT / "web").glob("*.js") if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_errors_never_leak_internals(client):
    responses = [
        client.get("/api/documents/%00"),
        client.post("/api/ask", content=b"{", headers={"content-type": "application/json"}),
    ]
    for response in responses:
        text = json.dumps(response.json())
        assert "Traceback" not in text and str(ROOT) not in text and "site-packages" not in text
