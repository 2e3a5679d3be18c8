"""Chat-model clients for the generative mode: the `Generator` protocol (stream reply
tokens) and its LangChain implementations, a local llama.cpp model or an OpenAI-compatible
server (`make_generator`)."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rag.answer.llama_server import INSTALL_SCRIPT, Endpoint, LocalModelServer
from rag.errors import ModelUnavailable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS = ("llamacpp", "openai")
LOCAL_TIMEOUT_S = 300.0  # a local reply takes seconds; far longer means the child hung


class Generator(Protocol):
    name: str

    def stream(self, system: str, user: str) -> Iterator[str]:
        """Text deltas (tokens) of the model's reply, in order."""
        ...


class LangChainGenerator:
    """Any LangChain chat model, so providers are swapped without touching the callers."""

    def __init__(self, model: BaseChatModel, name: str) -> None:
        self.model = model
        self.name = name

    def stream(self, system: str, user: str) -> Iterator[str]:
        from langchain_core.messages import HumanMessage, SystemMessage

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
    if importlib.util.find_spec("xllamacpp") is None:
        raise ModelUnavailable(
            "provider 'llamacpp' needs the prebuilt llama.cpp runtime: `pip install xllamacpp` "
            f"(or `pip install -e '.[generative]'`); the model files come from `{INSTALL_SCRIPT}`"
        )
    _require_langchain_openai("llamacpp")
    server = LocalModelServer(path, n_ctx=n_ctx, n_threads=n_threads, max_tokens=max_tokens)
    generator = LocalModelGenerator(server, max_tokens=max_tokens, temperature=temperature)
    generator.start()  # load now: a model that can't load is reported at setup, not mid-answer
    return generator


class LocalModelGenerator:
    """A local GGUF behind llama.cpp's OpenAI-compatible server in a child process, through
    the same LangChain client as the `openai` provider. A crash of the child is reported as
    ModelUnavailable (with its signal and last log lines); the next request restarts it."""

    def __init__(
        self,
        server: LocalModelServer,
        *,
        max_tokens: int,
        temperature: float,
        timeout: float = LOCAL_TIMEOUT_S,
    ) -> None:
        self.server = server
        self.name = f"llamacpp:{server.model.stem}"
        self.timeout = timeout
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._turn = threading.Lock()  # one request at a time, like the single server slot
        self._chat: LangChainGenerator | None = None
        self._endpoint: Endpoint | None = None

    @property
    def system_info(self) -> str:
        """llama.cpp's system_info line of the running child (CPU features in use)."""
        return self.start().system_info

    def start(self) -> Endpoint:
        endpoint = self.server.ensure_running()
        if endpoint is not self._endpoint:  # first start, or a restart after a crash
            chat = _chat_openai(
                endpoint.base_url,
                endpoint.api_key,
                "local",
                self._max_tokens,
                self._temperature,
                max_retries=0,  # a dead child refuses every retry; report it at once
                timeout=self.timeout,
            )
            self._chat = LangChainGenerator(chat, name=self.name)
            self._endpoint = endpoint
        return endpoint

    def stream(self, system: str, user: str) -> Iterator[str]:
        with self._turn:
            self.start()
            assert self._chat is not None
            try:
                yield from self._chat.stream(system, user)
            except Exception as error:
                failure = self._failure(error)
                if failure is error:
                    raise
                raise failure from error

    def _failure(self, error: Exception) -> Exception:
        """ModelUnavailable when the child died or stopped answering; else `error` itself."""
        from openai import APITimeoutError

        if isinstance(error, APITimeoutError) and self.server.running():
            self.server.stop(kill=True)  # hung: it would not notice its stdin closing
            death: str | None = f"did not answer within {self.timeout:g} s and was stopped"
        else:
            death = self.server.death()  # a crash mid-stream shows as any transport error
        if death is None:
            return error
        return ModelUnavailable(
            f"the local model process (llama.cpp, {self.server.model.name}) {death}; "
            "this answer is lost, the next request starts the model again"
        )

    def close(self) -> None:
        self.server.stop()


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
    _require_langchain_openai("openai")
    # Local servers ignore the key and usually the model name, but the client requires both.
    name = model or "local"
    chat = _chat_openai(base_url, api_key or "not-needed", name, max_tokens, temperature)
    return LangChainGenerator(chat, name=f"openai:{name}")


def _require_langchain_openai(provider: str) -> None:
    if importlib.util.find_spec("langchain_openai") is None:
        raise ModelUnavailable(
            f"provider {provider!r} needs langchain-openai: `pip install langchain-openai`"
        )


def _chat_openai(
    base_url: str, api_key: str, model: str, max_tokens: int, temperature: float, **extra: Any
) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        api_key=api_key,
        model=model,
        max_tokens=max_tokens,
        temperature=temperature,  # 0: llama.cpp samples greedily, same prompt, same text
        seed=0,  # honoured by llama.cpp and OpenAI; others ignore it
        streaming=True,
        **extra,
    )
