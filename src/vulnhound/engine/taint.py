"""Abstract values: which sources reach a value, through which steps, with which sanitizers.

A :class:`Label` is one source reaching a value. Parameters of the function being summarised are
symbolic labels (kind ``param``, origin = index; kind ``selfattr``, origin = attribute name) that
call sites substitute with the taint of the actual arguments. Taint is a short tuple of labels,
deduplicated by (kind, origin, cleared) so that paths cannot make it grow without bound.
"""

from __future__ import annotations

from typing import NamedTuple

from vulnhound.findings import Confidence, FlowStep

MAX_LABELS = 6
MAX_PATH = 14
PARAM = "param"
SELFATTR = "selfattr"
# a request attribute read in a helper from its parameter `request` (origin "index:attr"): the
# caller substitutes a source when it passes a real request, and nothing when it passes other data
REQATTR = "reqattr"
REQPARAM = "reqparam:"  # Val tag of such a parameter, followed by its index
# a parameter of a library function whose name says it carries outside data (url, filename): a
# source inside that function only; it never leaves it through the return value or attributes
LIBRARY = "library"
QUOTE_MARK = "noquote:"  # cleared-set marker: the value was checked not to contain this quote
EMBED = "^"  # cleared-set marker: the kind is reached only once the value is embedded in other text
EMBEDDED = "+"  # on a symbolic label: this function embeds the parameter (callers drop EMBED marks)


class Label(NamedTuple):
    kind: str  # source kind ("remote", "local", "parameter") or PARAM / SELFATTR
    origin: str  # "request.args", or the parameter index / attribute name
    cleared: frozenset[str]  # sink kinds already sanitised on this path
    path: tuple[FlowStep, ...]
    cap: Confidence  # the most a finding from this source can claim (argv, environment: low)

    @property
    def key(self) -> tuple[str, str, frozenset[str]]:
        return (self.kind, self.origin, self.cleared)

    @property
    def symbolic(self) -> bool:
        return self.kind in (PARAM, SELFATTR, REQATTR)

    def step(self, step: FlowStep) -> Label:
        if len(self.path) >= MAX_PATH or (self.path and self.path[-1] == step):
            return self
        return self._replace(path=(*self.path, step))

    def clear(self, kinds: frozenset[str]) -> Label:
        return self._replace(cleared=self.cleared | kinds)

    @property
    def low(self) -> bool:
        return self.cap != Confidence.HIGH


def blocked(label: Label, kind: str) -> bool:
    """The label cannot reach a sink of this kind (sanitised, or not yet embedded).

    A conditional mark ``kind@marker`` (a check that only holds for a value that went through
    something, such as ``startswith`` on a normalised path) blocks the kind once ``marker`` is
    also in the set, whichever came first."""
    cleared = label.cleared
    if kind in cleared or "*" in cleared or (EMBED + kind) in cleared:
        return True
    prefix = kind + "@"
    return any(c.startswith(prefix) and c[len(prefix) :] in cleared for c in cleared)


def embed(taint: Taint) -> Taint:
    """The value is now part of a larger string or path (``base + x``, ``join(root, x)``)."""
    if not taint:
        return taint
    out: list[Label] = []
    for label in taint:
        cleared = label.cleared
        if label.symbolic:
            if EMBEDDED not in cleared:
                label = label._replace(cleared=cleared | _EMBEDDED)
        elif cleared and any(c[:1] == EMBED for c in cleared):
            label = label._replace(cleared=frozenset(c for c in cleared if c[:1] != EMBED))
        out.append(label)
    return tuple(out)


def substituted(actual: Label, formal: frozenset[str]) -> frozenset[str]:
    """The cleared set of an actual argument's label that went through a callee's path (whose
    symbolic label had the cleared set ``formal``)."""
    if not formal:
        return actual.cleared
    cleared = actual.cleared | formal
    if EMBEDDED in formal:  # the callee embedded it
        cleared = frozenset(c for c in cleared if c[:1] != EMBED)
        if not actual.symbolic:
            cleared = cleared - _EMBEDDED
    return cleared


_EMBEDDED = frozenset({EMBEDDED})


def partial(kind: str) -> str:
    """The cleared-set marker of a partial check: the finding stays, at medium confidence."""
    return "~" + kind


HIGH = Confidence.HIGH


Taint = tuple[Label, ...]
EMPTY: Taint = ()


def union(a: Taint, b: Taint) -> Taint:
    if not b:
        return a
    if not a:
        return b
    keys = {label.key for label in a}
    out = list(a)
    for label in b:
        if label.key not in keys and len(out) < MAX_LABELS:
            keys.add(label.key)
            out.append(label)
    return tuple(out)


def union_all(parts: list[Taint]) -> Taint:
    out: Taint = EMPTY
    for part in parts:
        out = union(out, part)
    return out


def step_all(taint: Taint, step: FlowStep) -> Taint:
    return tuple(label.step(step) for label in taint)


def clear_all(taint: Taint, kinds: frozenset[str]) -> Taint:
    if "*" in kinds:
        return EMPTY
    return tuple(label.clear(kinds) for label in taint)


class _NoConst:
    def __repr__(self) -> str:
        return "NOCONST"


NOCONST = _NoConst()


class Val:
    """What the interpreter knows about a value.

    ``items``: per-element values of a list/tuple literal; ``keys``: values under constant keys
    of a dict literal; ``attrs``: attributes of an object built by a known class; ``const``: a
    known constant; ``tag``: a marker such as ``request`` (a request object), ``func:q`` (a
    function), ``inst:q`` (an instance of class q) or ``safe-xml-parser``; ``head``: the first
    element of a list whose length is unknown (``[sys.executable] + sys.argv``), so that the
    program of an argv list is known.
    """

    __slots__ = ("attrs", "const", "head", "items", "keys", "ref", "tag", "taint")

    def __init__(
        self,
        taint: Taint = EMPTY,
        *,
        items: tuple[Val, ...] | None = None,
        keys: dict[object, Val] | None = None,
        attrs: dict[str, Val] | None = None,
        const: object = NOCONST,
        tag: str = "",
        ref: object = None,
        head: Val | None = None,
    ) -> None:
        self.taint = taint
        self.items = items
        self.keys = keys
        self.attrs = attrs
        self.const = const
        self.tag = tag
        self.ref = ref  # e.g. the ast.Lambda of a lambda value
        self.head = head

    @property
    def first(self) -> Val | None:
        """The known first element of a list value."""
        return self.items[0] if self.items else self.head

    def with_taint(self, taint: Taint) -> Val:
        return Val(
            taint,
            items=self.items,
            keys=self.keys,
            attrs=self.attrs,
            const=self.const,
            tag=self.tag,
            ref=self.ref,
            head=self.head,
        )

    def __repr__(self) -> str:
        return f"Val({[(lb.kind, lb.origin) for lb in self.taint]}, tag={self.tag!r})"


CLEAN = Val()


def join(a: Val | None, b: Val | None) -> Val:
    """The value after two control-flow paths meet."""
    if a is None:
        return b if b is not None else CLEAN
    if b is None or a is b:
        return a
    taint = union(a.taint, b.taint)
    items = None
    if a.items is not None and b.items is not None and len(a.items) == len(b.items):
        items = tuple(join(x, y) for x, y in zip(a.items, b.items, strict=True))
    keys = None
    if a.keys is not None and b.keys is not None:
        keys = {k: join(a.keys.get(k), b.keys.get(k)) for k in a.keys.keys() | b.keys.keys()}
    attrs = None
    if a.attrs is not None and b.attrs is not None:
        attrs = {k: join(a.attrs.get(k), b.attrs.get(k)) for k in a.attrs.keys() | b.attrs.keys()}
    const = (
        a.const if a.const is b.const or (type(a.const) is type(b.const) and a.const == b.const) else NOCONST
    )
    tag = a.tag if a.tag == b.tag else ""
    head = None
    if items is None:
        fa, fb = a.first, b.first
        head = join(fa, fb) if fa is not None and fb is not None else None
    return Val(
        taint,
        items=items,
        keys=keys,
        attrs=attrs,
        const=const,
        tag=tag,
        ref=a.ref if tag else None,
        head=head,
    )


def flat(val: Val) -> Taint:
    """Everything that reaches any part of the value."""
    taint = val.taint
    for part in val.items or ():
        taint = union(taint, flat(part))
    for part in (val.keys or {}).values():
        taint = union(taint, flat(part))
    for part in (val.attrs or {}).values():
        taint = union(taint, part.taint)
    return taint
