"""Safe YAML loading that keeps the line and column of every field.

PyYAML's safe composer builds a node tree (no Python objects, no tags that
run code); we turn it into plain data ourselves so that we can remember where
each key stood, reject duplicate keys and tags other than plain scalars, and
stop alias bombs, cycles and deep nesting before they expand. Every error is
located as ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from archcmp.errors import Problem, SpecError
from archcmp.inputs import MAX_BYTES, MAX_DEPTH, line_col

Path = tuple[str | int, ...]

MAX_NODES = 20_000  # a spec has a few hundred; more means alias expansion

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# The scalars a spec is written in; !!binary and the like are not text.
_SCALAR_TAGS = {"tag:yaml.org,2002:str": "string", "tag:yaml.org,2002:int": "integer",
                "tag:yaml.org,2002:float": "number", "tag:yaml.org,2002:bool": "boolean (true or false)",
                "tag:yaml.org,2002:null": "null", "tag:yaml.org,2002:timestamp": "date"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_DATE_TAG = "tag:yaml.org,2002:timestamp"
# Nesting this shallow composes fast and safely; the bundled specs have at most 92.
_SHALLOW = 1_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    """Plain data from a YAML document and the position of each path in it."""

    data: object
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # JSON's NaN / Infinity / -Infinity tokens by path: a reader refuses them
    # where it computes with the value (archcmp.hf.importer)
    nonfinite: dict[Path, str] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """The position of ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None, None


def load_yaml(text: str, filename: str) -> Located:
    node = _compose(text, filename)
    if node is None:
        raise _error(filename, None, "file is empty; a spec is a mapping of fields")
    located = Located(data=None, positions={(): _mark(node)})
    builder = _Builder(filename, located.positions)
    located.data = builder.build(node, ())
    return located


def _compose(text: str, filename: str) -> yaml.Node | None:
    """The node graph of a document, every YAML error located."""
    if len(text) > MAX_BYTES:
        raise _error(filename, None, f"text is longer than {MAX_BYTES:,} characters; not a spec")
    try:
        _check_depth(text, filename)
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _error(filename, _exc_mark(exc), f"malformed YAML: {_yaml_problem(exc)}") from None
    except yaml.reader.ReaderError as exc:
        position = line_col(text, _char_index(text, exc.position))
        raise _error(filename, position, f"malformed YAML: character #x{exc.character:04x}: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise _error(filename, None, f"malformed YAML: {exc}") from None


def load_fields(text: str, filename: str, names: tuple[str, ...]) -> dict | None:
    """Only the top-level fields ``names`` of a document (an index of many
    files reads a few fields of each), under the same bounds as
    :func:`load_yaml`; None when the top level is not a mapping."""
    node = _compose(text, filename)
    if not isinstance(node, yaml.MappingNode):
        return None
    builder, fields = _Builder(filename, {}), {}
    for key_node, value_node, _merged in builder._pairs(node, 0):
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key in names and key not in fields:  # a key written in the mapping wins over a merged one
            fields[key] = builder.build(value_node, (key,))
    return fields


def _check_depth(text: str, filename: str) -> None:
    """Refuse deep nesting before composing: libyaml takes quadratic time
    over nested flow collections (a megabyte of ``[`` runs for hours) and
    its composer recurses on the C stack. Every level of nesting is opened
    by one of the characters counted here, so a document with few of them
    (every spec) cannot nest deeply enough to matter and skips the scan; the
    builder still enforces MAX_DEPTH, with the position."""
    if sum(text.count(c) for c in "[{:-?") <= _SHALLOW:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _error(filename, _mark(event), f"nested deeper than {MAX_DEPTH} levels; not a spec")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _exc_mark(exc: yaml.MarkedYAMLError) -> tuple[int, int] | None:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else None


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    message = str(exc.problem or exc.context or "malformed YAML")
    if exc.context and message.startswith("but "):  # "but found another document" needs what was expected
        message = f"{exc.context}, {message}"
    if "\t" in message or "'\\t'" in message:
        return "tab character: YAML indents with spaces only"
    return message


def _char_index(text: str, position: int) -> int:
    """libyaml reports a reader error at a UTF-8 byte offset; PyYAML's own
    reader at a character index."""
    if _Loader is yaml.SafeLoader:
        return position
    return len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))


class _Builder:
    """Plain data from a node graph, bounded: aliases may make the graph
    cyclic (``a: &a [*a]``) or exponential, so depth and node count are
    checked as it is walked."""

    def __init__(self, filename: str, positions: dict[Path, tuple[int, int]]):
        self.filename = filename
        self.positions = positions
        self.nodes = 0
        self.open: set[int] = set()  # ids of the nodes being built: a repeat is a cycle
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path) -> object:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _error(self.filename, _mark(node), f"more than {MAX_NODES:,} YAML nodes (alias bomb?)")
        if len(path) > MAX_DEPTH:
            raise _error(self.filename, _mark(node), f"nested deeper than {MAX_DEPTH} levels; not a spec")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in _PLAIN_TAGS:
            raise _error(self.filename, _mark(node), f"YAML tag {_short_tag(node.tag)} is not allowed in a spec")
        if id(node) in self.open:
            raise _error(self.filename, _mark(node), "an alias refers to a collection that contains it")
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self._child(item, path + (i,), item) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _child(self, node: yaml.Node, path: Path, at: yaml.Node) -> object:
        self.positions[path] = _mark(at)
        return self.build(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        result: dict = {}
        for key_node, value_node, merged in self._pairs(node, 0):
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise _error(self.filename, _mark(key_node), "mapping keys must be plain names")
            if key in result:
                if merged:  # keys written in the mapping win over merged ones
                    continue
                raise _error(self.filename, _mark(key_node), f"duplicate key {key!r}", dotted(path + (key,)))
            result[key] = self._child(value_node, path + (key,), key_node)
        return result

    def _pairs(self, node: yaml.MappingNode, depth: int) -> list[tuple[yaml.Node, yaml.Node, bool]]:
        """The mapping's own key/value pairs, then those its merge keys
        (``<<``) bring in, earlier sources first, as YAML merges them."""
        if depth > MAX_DEPTH:
            raise _error(self.filename, _mark(node), f"merge keys (<<) nested deeper than {MAX_DEPTH} levels")
        own, merged = [], []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node, False))
                continue
            for source in self._merge_sources(value_node):
                pairs = self._pairs(source, depth + 1)
                self.nodes += len(pairs)  # merges copy pairs as aliases copy nodes
                if self.nodes > MAX_NODES:
                    raise _error(self.filename, _mark(key_node), f"more than {MAX_NODES:,} YAML nodes (merge bomb?)")
                merged += [(k, v, True) for k, v, _ in pairs]
        return own + merged

    def _merge_sources(self, node: yaml.Node) -> list[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in node.value):
            return list(node.value)
        raise _error(self.filename, _mark(node), "a merge key (<<) takes a mapping or a list of mappings")

    def _scalar(self, node: yaml.ScalarNode) -> object:
        if node.tag not in _SCALAR_TAGS:
            raise _error(self.filename, _mark(node), f"YAML tag {_short_tag(node.tag)} is not allowed in a spec")
        if node.tag == _STR_TAG:  # most scalars; what PyYAML's constructor would return
            return node.value
        try:  # the tag's constructor itself: construct_object's bookkeeping is for collections
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors trust the tag, which can lie
            raise _error(self.filename, _mark(node), _scalar_problem(node, exc)) from None


def _scalar_problem(node: yaml.ScalarNode, exc: Exception) -> str:
    what = _SCALAR_TAGS[node.tag]
    if "digits" in str(exc):  # int() refuses more than 4,300 digits
        return f"an integer of {len(node.value):,} digits is far too large"
    reason = f" ({exc})" if node.tag == _DATE_TAG and isinstance(exc, ValueError) else ""
    return f"{_shown(node.value)} is not a valid {what}{reason}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _mark(item: yaml.Node | yaml.Event) -> tuple[int, int]:
    return item.start_mark.line + 1, item.start_mark.column + 1


def dotted(path: Path) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


def _error(filename: str, at: tuple[int, int] | None, message: str, field: str | None = None) -> SpecError:
    line, col = at if at else (None, None)
    return SpecError([Problem(filename, line, col, field, message)])

