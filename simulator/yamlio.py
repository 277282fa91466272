"""YAML loading that remembers where every value came from.

Scenario and sweep errors must name file, line and field, so we compose the YAML node tree ourselves
and keep a map from each value's path (``("agents", 0, "model")``) to its line. Building the data by
hand also lets us bound alias expansion, so a "billion laughs" file fails fast instead of eating memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError

Path_ = tuple[str | int, ...]

# A scenario is a few hundred values; a sweep a few thousand. Anything past this is hostile or broken.
MAX_NODES = 200_000
MAX_BYTES = 5_000_000


class LocatedData:
    """Plain data parsed from YAML plus the line (1-based) of every value in it."""

    def __init__(self, data: Any, lines: dict[Path_, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line_of(self, path: Path_) -> int | None:
        """Line of the deepest value on ``path`` that the file actually has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


class Loader(yaml.SafeLoader):
    """YAML as a person means it: YAML 1.2 booleans. PyYAML follows YAML 1.1, where ``on``, ``off``,
    ``yes``, ``no``, ``y`` and ``n`` are booleans, so a sweep level named ``on`` became ``True``; here only
    ``true`` and ``false`` are (fields that want a boolean still accept ``yes`` and ``on``)."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                             list("tTfF"))


def format_path(path: Path_) -> str:
    """A field path as a user writes it: ``agents[0].model``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_yaml_text(text: str, file: str) -> LocatedData:
    # Count bytes, not characters: 5 million four-byte characters are a 20 MB file.
    """Parse YAML text keeping each value's line, so errors can name file, line and field."""
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError(f"file is larger than {MAX_BYTES} bytes", file=file)
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:  # a reader error (a character YAML does not allow): one line of it
        raise ScenarioError(f"invalid YAML: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise ScenarioError("the YAML is nested too deeply", file=file) from None
    if node is None:
        raise ScenarioError("the file is empty", file=file, line=1)
    builder = _Builder(file)
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise ScenarioError("the YAML is nested too deeply", file=file) from None
    return LocatedData(data, builder.lines, file)


def load_yaml_file(path: str | Path) -> LocatedData:
    """Read and parse a YAML file (size-checked before reading) keeping each value's line."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_BYTES:  # before reading: it may be any size
            raise ScenarioError(f"file is larger than {MAX_BYTES} bytes", file=str(p))
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=str(p)) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a YAML file", file=str(p)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", file=str(p)) from None
    return load_yaml_text(text, str(p))


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.count = 0
        self._scalars = Loader("")

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ScenarioError(
                f"the YAML expands to more than {MAX_NODES} values (an alias bomb?)",
                file=self.file,
                line=node.start_mark.line + 1,
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            try:
                return self._scalars.construct_object(node)
            except yaml.YAMLError as exc:
                raise ScenarioError(f"bad value: {exc}", file=self.file, line=node.start_mark.line + 1) from None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ScenarioError("merge keys (<<) are not supported", file=self.file,
                                        line=key_node.start_mark.line + 1)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ScenarioError("mapping keys must be plain names", file=self.file,
                                        line=key_node.start_mark.line + 1, field=format_path(path) or None)
                key = str(self._scalars.construct_object(key_node))
                if key in out:
                    raise ScenarioError(f"duplicate key '{key}'", file=self.file,
                                        line=key_node.start_mark.line + 1, field=format_path(path + (key,)))
                # Errors about a field point at its key's line (a block value starts on the next line).
                self.lines.setdefault(path + (key,), key_node.start_mark.line + 1)
                out[key] = self.build(value_node, path + (key,))
            return out
        raise ScenarioError("unsupported YAML node", file=self.file, line=node.start_mark.line + 1)
