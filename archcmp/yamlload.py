"""Safe YAML loading that keeps the line and column of every field.

PyYAML's safe composer builds a node tree (no Python objects, no tags that
run code); we turn it into plain data ourselves so that we can remember where
each key stood, reject duplicate keys, and stop alias bombs before they
expand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from archcmp.errors import Problem, SpecError

Path = tuple[str | int, ...]

MAX_NODES = 20_000  # a spec has a few hundred; more means alias expansion
MAX_BYTES = 1_000_000

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    """Plain data from a YAML document and the position of each path in it."""

    data: object
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """The position of ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None, None


def read_text(raw: bytes, filename: str) -> str:
    if b"\0" in raw:
        raise _error(filename, None, "not a text file (it contains NUL bytes)")
    if len(raw) > MAX_BYTES:
        raise _error(filename, None, f"file is larger than {MAX_BYTES:,} bytes; not a spec")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(filename, None, f"not UTF-8 text (byte {exc.start})") from None


def load_yaml(text: str, filename: str) -> Located:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1, mark.column + 1) if mark else None
        message = str(exc.problem or exc.context or "malformed YAML")
        if "\t" in message or "'\\t'" in message:
            message = "tab character: YAML indents with spaces only"
        raise _error(filename, line, f"malformed YAML: {message}") from None
    except yaml.YAMLError as exc:
        raise _error(filename, None, f"malformed YAML: {exc}") from None
    if node is None:
        raise _error(filename, None, "file is empty; a spec is a mapping of fields")
    located = Located(data=None, positions={(): _mark(node)})
    builder = _Builder(filename, located.positions)
    located.data = builder.build(node, ())
    return located


class _Builder:
    def __init__(self, filename: str, positions: dict[Path, tuple[int, int]]):
        self.filename = filename
        self.positions = positions
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path) -> object:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _error(self.filename, _mark(node), f"more than {MAX_NODES:,} YAML nodes (alias bomb?)")
        if node.tag not in _PLAIN_TAGS and not isinstance(node, yaml.ScalarNode):
            raise _error(self.filename, _mark(node), f"YAML tag {_short_tag(node.tag)} is not allowed in a spec")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self._child(item, path + (i,), item) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _child(self, node: yaml.Node, path: Path, at: yaml.Node) -> object:
        self.positions[path] = _mark(at)
        return self.build(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        self.constructor.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise _error(self.filename, _mark(key_node), "mapping keys must be plain names")
            if key in result:
                raise _error(self.filename, _mark(key_node), f"duplicate key {key!r}", dotted(path + (key,)))
            result[key] = self._child(value_node, path + (key,), key_node)
        return result

    def _scalar(self, node: yaml.Node) -> object:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            raise _error(self.filename, _mark(node), f"YAML tag {_short_tag(node.tag)} is not allowed in a spec") from None


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def dotted(path: Path) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


def _error(filename: str, at: tuple[int, int] | None, message: str, field: str | None = None) -> SpecError:
    line, col = at if at else (None, None)
    return SpecError([Problem(filename, line, col, field, message)])

