"""Text utilities shared by ingest, retrieval and answers: sentence boundaries
(`sentences.py`) and word normalisation for matching and BM25 (`tokens.py`)."""
