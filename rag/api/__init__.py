"""The HTTP service (FastAPI): `app.py` builds it; routes parse, call one service, and
return models from rag.wire."""
