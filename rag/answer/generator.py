"""Generators: a LangChain chat model behind one small interface that streams reply tokens."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rag.errors import ModelUnavailable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS = ("llamacpp", "openai")
INSTALL_SCRIPT = "scripts/install_models.sh"


class Generator(Protocol):
    name: str

    def stream(self, system: str, user: str) -> Iterator[str]:
        """Text deltas (tokens) of the model's reply, in order."""
        ...


class LangChainGenerator:
    """Any LangChain chat model, so providers are swapped without touching the callers."""

    def __init__(self, model: BaseChatModel, name: str, *, one_at_a_time: bool = False) -> None:
        self.model = model
        self.name = name
        # An in-process llama.cpp context is not thread-safe: concurrent requests take turns.
        self._turn = threading.Lock() if one_at_a_time else contextlib.nullcontext()

    def stream(self, system: str, user: str) -> Iterator[str]:
        from langchain_core.messages import HumanMessage, SystemMessage

        with self._turn:
            for chunk in self.model.stream([SystemMessage(system), HumanMessage(user)]):
                text = _text_of(chunk.content)
                if text:  # providers send empty role/finish chunks around the tokens
                    yield text


def _text_of(content: str | list[Any]) -> str:
    # Most providers stream plain strings; some send content blocks ({"type": "text", ...}).
    if isinstance(content, str):
        return content
    return "".join(
        block if isinstance(block, str) else str(block.get("text", ""))
        for block in content
        if isinstance(block, str) or block.get("type") == "text"
    )


def make_generator(
    provider: str,
    *,
    model_path: Path | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    max_tokens: int = 256,
    temperature: float = 0.0,
    n_ctx: int = 4096,
    n_threads: int | None = None,
) -> Generator:
    """A generator for `provider`; ModelUnavailable says what to install or set when it can't."""
    if provider == "llamacpp":
        return _llamacpp(model_path, max_tokens, temperature, n_ctx, n_threads)
    if provider == "openai":
        return _openai(base_url, api_key, model, max_tokens, temperature)
    raise ModelUnavailable(
        f"unknown generator provider {provider!r}; choose one of: {', '.join(PROVIDERS)}"
    )


def _llamacpp(
    model_path: Path | None,
    max_tokens: int,
    temperature: float,
    n_ctx: int,
    n_threads: int | None,
) -> Generator:
    path = Path(model_path).expanduser() if model_path is not None else None
    if path is None or not path.is_file():
        where = f"no GGUF model at {path}" if path else "provider 'llamacpp' needs model_path"
        raise ModelUnavailable(
            f"{where}: run `{INSTALL_SCRIPT} [smollm2|qwen0.5b|qwen1.5b]` to write "
            "models/<name>.gguf"
        )
    try:
        import llama_cpp  # noqa: F401  (checked here: ChatLlamaCpp's own error is a bare ImportError)
    except ImportError:
        raise ModelUnavailable(
            "llama-cpp-python is not installed: `pip install llama-cpp-python` (it builds from "
            f"source in a few minutes); the model files come from `{INSTALL_SCRIPT}`"
        ) from None
    try:
        # langchain-community warns on import that it is being sunset; ChatLlamaCpp still
        # works and has no standalone successor that runs in-process, so silence only that.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r".*langchain-community.*sunset", category=DeprecationWarning
            )
            from langchain_community.chat_models import ChatLlamaCpp
    except ImportError:
        raise ModelUnavailable(
            "provider 'llamacpp' needs langchain-community: `pip install langchain-community`"
        ) from None

    threads: dict[str, Any] = {}
    if n_threads is not None:
        threads = {"n_threads": n_threads, "model_kwargs": {"n_threads_batch": n_threads}}
    try:
        chat = ChatLlamaCpp(
            model_path=str(path),
            n_ctx=n_ctx,
            # The wrapper's default batch of 8 makes prompt processing several times slower.
            n_batch=min(512, n_ctx),
            # The wrapper forces rope base 10000 / scale 1.0; 0 means "as the GGUF says",
            # which Qwen2.5 (base 1e6) and SmolLM2 (base 1e5) need for long prompts.
            rope_freq_base=0.0,
            rope_freq_scale=0.0,
            max_tokens=max_tokens,
            temperature=temperature,  # 0 makes llama.cpp sample greedily: same prompt, same text
            seed=0,
            # Grounded answers quote their sources; a repeat penalty pushes away from the quote.
            repeat_penalty=1.0,
            streaming=True,
            verbose=False,  # otherwise llama.cpp logs every load and timing to stderr
            **threads,
        )
    except ValueError as error:  # the wrapper turns any load failure into ValueError
        # Its text is a pydantic dump; the cause stays chained for logs.
        raise ModelUnavailable(
            f"llama.cpp could not load {path} (truncated or not a chat GGUF?): "
            f"re-run `{INSTALL_SCRIPT}` to rebuild it"
        ) from error
    return LangChainGenerator(chat, name=f"llamacpp:{path.stem}", one_at_a_time=True)


def _openai(
    base_url: str | None,
    api_key: str | None,
    model: str | None,
    max_tokens: int,
    temperature: float,
) -> Generator:
    if not base_url:
        raise ModelUnavailable(
            "provider 'openai' needs base_url, the /v1 address of an OpenAI-compatible server "
            "(e.g. http://127.0.0.1:8080/v1 for llama.cpp's llama-server)"
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ModelUnavailable(
            "provider 'openai' needs langchain-openai: `pip install langchain-openai`"
        ) from None
    # Local servers ignore the key and usually the model name, but the client requires both.
    name = model or "local"
    chat = ChatOpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",
        model=name,
        max_tokens=max_tokens,
        temperature=temperature,
        seed=0,  # honoured by llama.cpp and OpenAI; others ignore it
        streaming=True,
    )
    return LangChainGenerator(chat, name=f"openai:{name}")
