"""The on-disk index: manifest, FAISS vectors, documents and passages as JSONL."""
