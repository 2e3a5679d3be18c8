"""Every model that crosses the wire, in one place: what `POST /api/ask`, `rag ask --json`
and the SSE stream carry (`answers.py`), documents and passages (`documents.py`), search
results (`search.py`), health (`health.py`), the OpenAI-compatible `/v1` shapes
(`openai.py`), and the bounded text fields requests are made of (`fields.py`)."""
