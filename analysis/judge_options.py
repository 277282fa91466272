"""The LLM judge's command-line options, defined once for every verb that can use the judge (``analyze``,
``evaluate``, ``report``), and the choice they make, typed.

Kept free of heavy imports: the CLI reads these signatures to build ``--help``.
"""

from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

DEFAULT_PROVIDER = "embedded"
DEFAULT_MODEL = "SmolLM2-135M-Instruct"
DEFAULT_CACHE = Path(".ingroup-cache/judge.jsonl")


@dataclass(frozen=True)
class JudgeChoice:
    """Whether to use the judge, and how to reach it."""

    use: bool = False
    provider: str = DEFAULT_PROVIDER
    model: str = DEFAULT_MODEL
    cache: Path | None = DEFAULT_CACHE
    base_url: str | None = None
    timeout_s: float = 120.0
    retries: int = 3

    def judge(self) -> Any:
        """A :class:`analysis.judge.JudgeAnalyzer` for this choice (the caller closes it)."""
        from .judge import JudgeAnalyzer

        return JudgeAnalyzer(self.provider, self.model, cache=self.cache, base_url=self.base_url,
                             timeout_s=self.timeout_s, retries=self.retries)

    def analyzer(self) -> Any:
        """The judge when ``--judge`` was given, else the rules."""
        if self.use:
            return self.judge()
        from .api import RuleAnalyzer

        return RuleAnalyzer()


def _parameters(flag_help: str) -> list[inspect.Parameter]:
    kw = inspect.Parameter.KEYWORD_ONLY
    spec: list[tuple[str, Any, Any]] = [
        ("judge", Annotated[bool, typer.Option("--judge", help=flag_help)], False),
        ("judge_provider", Annotated[str, typer.Option(
            "--judge-provider", help="Provider of the judge (embedded, openai, anthropic).")], DEFAULT_PROVIDER),
        ("judge_model", Annotated[str, typer.Option("--judge-model", help="Model of the judge.")], DEFAULT_MODEL),
        ("judge_cache", Annotated[Path, typer.Option("--judge-cache", help="On-disk cache of judge answers.")],
         DEFAULT_CACHE),
        ("judge_base_url", Annotated[Optional[str], typer.Option(
            "--judge-base-url", help="OpenAI-compatible server for the judge.")], None),
        ("judge_timeout", Annotated[float, typer.Option(
            "--judge-timeout", help="Seconds per judge call before it is retried.")], 120.0),
        ("judge_retries", Annotated[int, typer.Option(
            "--judge-retries", help="Retries of a failed judge call (0: none).")], 3),
    ]
    return [inspect.Parameter(name, kw, annotation=ann, default=default) for name, ann, default in spec]


F = TypeVar("F", bound=Callable[..., Any])


def judge_options(flag_help: str = "Use the LLM judge instead of the rules.") -> Callable[[F], F]:
    """Give a command the judge options; it receives them as one ``judge: JudgeChoice`` argument."""

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        # Resolved here, in the command's module: the CLI reads the wrapper's signature, whose string
        # annotations would otherwise be looked up in this module.
        hints = typing.get_type_hints(fn, include_extras=True)
        params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()
                  if p.name != "judge"]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            choice = JudgeChoice(
                use=kwargs.pop("judge"), provider=kwargs.pop("judge_provider"), model=kwargs.pop("judge_model"),
                cache=kwargs.pop("judge_cache"), base_url=kwargs.pop("judge_base_url"),
                timeout_s=kwargs.pop("judge_timeout"), retries=kwargs.pop("judge_retries"))
            return fn(*args, judge=choice, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params + _parameters(flag_help))  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


__all__ = ["DEFAULT_CACHE", "DEFAULT_MODEL", "DEFAULT_PROVIDER", "JudgeChoice", "judge_options"]
