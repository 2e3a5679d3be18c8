"""The generator on the real SmolLM2 GGUF (scripts/install_models.sh), and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.generator import Generator, make_generator
from rag.errors import ModelUnavailable
from tests.conftest import SMOLLM2 as MODEL
from tests.conftest import require_local_model

SYSTEM = "You are a concise assistant."
USER = "Name the capital of France in one word."


@pytest.fixture(scope="module")
def generator() -> Generator:
    """SmolLM2 loaded once for the module; skipped locally, but a failure in CI."""
    require_local_model()
    return make_generator("llamacpp", model_path=MODEL, max_tokens=8, n_ctx=512)


def test_stream_yields_text_deltas(generator: Generator) -> None:
    deltas = list(generator.stream(SYSTEM, USER))
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()
    assert generator.name == "llamacpp:smollm2"


def test_temperature_zero_is_deterministic(generator: Generator) -> None:
    first = "".join(generator.stream(SYSTEM, USER))
    second = "".join(generator.stream(SYSTEM, USER))
    assert first == second


def test_missing_model_names_the_install_script(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="scripts/install_models.sh"):
        make_generator("llamacpp", model_path=tmp_path / "absent.gguf")


def test_unknown_provider_lists_the_providers() -> None:
    with pytest.raises(ModelUnavailable, match="llamacpp, openai"):
        make_generator("nope")


def test_openai_needs_base_url() -> None:
    with pytest.raises(ModelUnavailable, match="base_url"):
        make_generator("openai", model="any")
