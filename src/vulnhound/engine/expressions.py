"""Expressions: the abstract value of every expression form.

Names (local, enclosing, module and imported), constants, sources (request attributes, rule
source names), containers with element- and key-level values, f-strings, operators, subscripts
and attributes. Calls are :mod:`vulnhound.engine.calls`' business.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from vulnhound.engine import folding
from vulnhound.engine.modules import dotted
from vulnhound.engine.taint import (
    CLEAN,
    EMPTY,
    HIGH,
    NOCONST,
    QUOTE_MARK,
    REQATTR,
    REQPARAM,
    SELFATTR,
    Label,
    Taint,
    Val,
    clear_all,
    embed,
    join,
    union,
    union_all,
)
from vulnhound.engine.walker import KWARG_ITEMS, Env, WalkerBase, hashable
from vulnhound.findings import Confidence, FlowStep

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}  # fmt: skip


def _prefix_clears(prefix: str) -> frozenset[str]:
    """Sink kinds a constant URL prefix rules out.

    'https://api.example.com/...' fixes scheme and host (no SSRF, no open redirect); '/search?q='
    is a same-site path (no open redirect).
    """
    scheme, sep, rest = prefix.partition("://")
    if sep and scheme.isalpha() and "/" in rest and rest.index("/") > 0:
        return _HOST_FIXED
    if len(prefix) > 1 and prefix[0] == "/" and prefix[1] not in "/\\":
        return _PATH_FIXED
    return frozenset()


# an HTML element (or closing tag) in a string template: `<a href="`, `<td>`, `</div>`; only
# HTML's own element names, so `<root>` or `<testcase>` (XML, placeholders) do not count
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|blockquote|body|br|button|caption|code|dd|div|dl|dt|em|font|form|h[1-6]|head|hr|html"
    r"|i|iframe|img|input|label|li|link|meta|ol|option|p|pre|script|select|small|span|strong|style|sub"
    r"|sup|table|tbody|td|textarea|th|thead|title|tr|tt|u|ul|section|article|nav|header|footer|svg)"
    r"(?:[\s/>]|$)",
    re.IGNORECASE,
)
# a printf-style conversion: %d, %5.2f, %(name)s, %%
_CONVERSION = re.compile(rb"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMERIC = frozenset(b"diouxXeEfFgG")


def _chain_text(node: ast.expr | None, tail: str | bytes) -> str | bytes:
    """The constant pieces of a `+` chain (`name + ": " + value`) followed by ``tail``."""
    pieces: list[str | bytes] = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        if isinstance(node.right, ast.Constant) and isinstance(node.right.value, type(tail)):
            pieces.append(node.right.value)
        node = node.left
    if isinstance(node, ast.Constant) and isinstance(node.value, type(tail)):
        pieces.append(node.value)
    head = tail[:0].join(reversed(pieces))  # type: ignore[arg-type]
    return head + tail  # type: ignore[operator]


_HOST_FIXED = frozenset({"ssrf", "redirect"})
_PATH_FIXED = frozenset({"redirect"})


class ExpressionWalker(WalkerBase):
    """Expressions: the abstract value of every expression form."""

    def const(self, node: ast.expr, env: Env) -> object:
        """The value of a constant expression, or NOCONST."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            val = env.get(node.id) or self.enclosing.get(node.id) or self.globals.get(node.id)
            if val is not None:
                return val.const
            return self._imported(node.id).const
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name and self.s.program.qualify(self.module, name) == "typing.TYPE_CHECKING":
                return False
            return self._imported(name).const if name else NOCONST
        if isinstance(node, ast.UnaryOp):
            value = self.const(node.operand, env)
            if value is NOCONST:
                return NOCONST
            try:
                if isinstance(node.op, ast.Not):
                    return not value
                if isinstance(node.op, ast.USub):
                    return -value  # type: ignore[operator]
            except TypeError:
                return NOCONST
            return NOCONST
        if isinstance(node, ast.BoolOp):
            values = [self.const(v, env) for v in node.values]
            if isinstance(node.op, ast.And):
                for v in values:
                    if v is NOCONST:
                        return NOCONST
                    if not v:
                        return v
                return values[-1]
            for v in values:
                if v is NOCONST:
                    return NOCONST
                if v:
                    return v
            return values[-1]
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            fn = _COMPARE.get(type(node.ops[0]))
            left, right = self.const(node.left, env), self.const(node.comparators[0], env)
            if fn is None or left is NOCONST or right is NOCONST:
                return NOCONST
            try:
                return fn(left, right)
            except TypeError:
                return NOCONST
        if isinstance(node, ast.Name) and node.id == "TYPE_CHECKING":
            return False
        return self._folded(node, env)

    def _folded(self, node: ast.expr, env: Env) -> object:
        """Arithmetic, string methods, subscripts and f-strings over known constants."""
        if isinstance(node, ast.BinOp):
            left = self.const(node.left, env)
            return NOCONST if left is NOCONST else folding.binop(node.op, left, self.const(node.right, env))
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            container = self.const(node.value, env)
            if container is NOCONST:
                return NOCONST
            return folding.subscript(container, self.const(node.slice, env))
        if isinstance(node, ast.Tuple):
            items = tuple(self.const(e, env) for e in node.elts)
            return NOCONST if NOCONST in items else items
        if isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 3:
            if any(isinstance(a, ast.Starred) for a in node.args):
                return NOCONST
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = self.const(func.value, env)
                if receiver is NOCONST:
                    return NOCONST
                return folding.method(receiver, func.attr, [self.const(a, env) for a in node.args])
            if isinstance(func, ast.Name) and func.id not in env and func.id not in self.globals:
                if self.s.program.qualify(self.module, func.id) != func.id:
                    return NOCONST  # an imported function of that name
                return folding.builtin(func.id, [self.const(a, env) for a in node.args])
        return NOCONST

    def _imported(self, name: str) -> Val:
        """A module-level value of another scanned module (``from .settings import DEBUG``)."""
        qual = self.s.program.qualify(self.module, name)
        if name == "TYPE_CHECKING" and qual == "typing.TYPE_CHECKING":
            return Val(const=False)
        mod, _, attr = qual.rpartition(".")
        if not mod:
            return CLEAN
        module = self.s.program.module_of(mod)
        if module is None or module is self.module:
            return CLEAN
        val = self.s.module_envs.get(module.name, {}).get(attr, CLEAN)
        written = self.s.global_writes.get(module.name, {}).get(attr)
        return join(val, written) if written is not None else val

    def _source(self, node: ast.AST, origin: str, kind: str, cap: Confidence) -> Val:
        step = FlowStep(self._loc(node), f"source: {origin}")
        return Val((Label(kind, origin, frozenset(), (step,), cap),))

    def _request_attr(self, node: ast.AST, tag: str, attr: str) -> Val:
        """``request.GET`` in a helper: a source only where a caller passes a real request."""
        if attr.removesuffix("()") not in self.spec.request_attributes:
            return CLEAN
        step = FlowStep(self._loc(node), f"source: request.{attr}")
        return Val((Label(REQATTR, f"{tag[len(REQPARAM) :]}:{attr}", frozenset(), (step,), HIGH),))

    def _name(self, node: ast.Name, env: Env) -> Val:
        name = node.id
        val = env.get(name)
        if val is not None:
            return val
        val = self.enclosing.get(name)
        if val is not None:
            return val
        val = self.globals.get(name)
        written = self.written.get(name)
        if written is not None:
            return join(val, written)
        if val is not None:
            return val
        return self._global_name(node, name)

    def _global_name(self, node: ast.expr, name: str) -> Val:
        program = self.s.program
        qual = program.qualify(self.module, name)
        src = self.spec.source_for(qual)
        if src is not None:
            return self._source(node, name, src[0], src[1])
        if qual in self.spec.request_objects:
            return Val(tag="request")
        if program.function(qual) is not None:
            return Val(tag=f"func:{qual}")
        klass = program.klass(qual)
        if klass is not None:
            return Val(tag=f"class:{klass.qualname}")
        if program.module_of(qual) is not None:
            return Val(tag=f"module:{qual}")
        return self._imported(name)

    def eval(self, node: ast.expr, env: Env) -> Val:
        if isinstance(node, ast.Constant):
            return Val(const=node.value)
        if isinstance(node, ast.Name):
            return self._name(node, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env)
        if isinstance(node, ast.FormattedValue):
            return Val(self.eval(node.value, env).taint)
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left, env)
            return self._binop(node.op, left, self.eval(node.right, env), node.right, node.left)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, env)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items = tuple(self.eval(e, env) for e in node.elts)
            taint = union_all([i.taint for i in items])
            if isinstance(node, ast.Set):
                return Val(taint)
            if any(isinstance(e, ast.Starred) for e in node.elts):
                known = not isinstance(node.elts[0], ast.Starred)
                return Val(taint, head=items[0] if known else None)
            const: object = NOCONST
            if isinstance(node, ast.Tuple) and all(i.const is not NOCONST for i in items):
                const = tuple(i.const for i in items)
            return Val(taint, items=items, const=const)
        if isinstance(node, ast.Dict):
            keys: dict[object, Val] | None = {}
            parts: list[Taint] = []
            for k, v in zip(node.keys, node.values, strict=True):
                val = self.eval(v, env)
                parts.append(val.taint)
                kc = self.const(k, env) if k is not None else NOCONST
                if keys is not None and kc is not NOCONST and hashable(kc):
                    keys[kc] = val
                else:
                    keys = None
                    if k is not None:
                        parts.append(self.eval(k, env).taint)
            return Val(union_all(parts), keys=keys)
        if isinstance(node, ast.BoolOp):
            vals = [self.eval(v, env) for v in node.values]
            joined = vals[0]
            for other in vals[1:]:
                joined = join(joined, other)
            return joined
        if isinstance(node, ast.IfExp):
            const = self.const(node.test, env)
            if const is not NOCONST:
                return self.eval(node.body if const else node.orelse, env)
            self.eval(node.test, env)
            pos, neg = self.refinements(node.test, env)
            then_env, else_env = dict(env), dict(env)
            self._apply(pos, then_env)
            self._apply(neg, else_env)
            return join(self.eval(node.body, then_env), self.eval(node.orelse, else_env))
        if isinstance(node, ast.Compare):
            self.eval(node.left, env)
            for c in node.comparators:
                self.eval(c, env)
            const = self.const(node, env)
            return Val(const=const) if const is not NOCONST else CLEAN
        if isinstance(node, ast.UnaryOp):
            val = self.eval(node.operand, env)
            const = self.const(node, env)
            if isinstance(node.op, ast.Not | ast.USub | ast.UAdd | ast.Invert):
                return Val(const=const) if const is not NOCONST else CLEAN
            return Val(val.taint)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            inner = self._comprehension(node.generators, env)
            return Val(self.eval(node.elt, inner).taint)
        if isinstance(node, ast.DictComp):
            inner = self._comprehension(node.generators, env)
            return Val(union(self.eval(node.key, inner).taint, self.eval(node.value, inner).taint))
        if isinstance(node, ast.Lambda):
            return Val(tag="lambda", ref=node)
        if isinstance(node, ast.Await):
            return self.eval(node.value, env)
        if isinstance(node, ast.Yield | ast.YieldFrom):
            if node.value is not None:
                self.summary.ret = union(self.summary.ret, self.eval(node.value, env).taint)
            return CLEAN
        if isinstance(node, ast.NamedExpr):
            val = self.eval(node.value, env)
            self.assign(node.target, val, env, node)
            return val
        if isinstance(node, ast.Starred):
            return Val(self.eval(node.value, env).taint)
        if isinstance(node, ast.Slice):
            return CLEAN
        return CLEAN

    def _comprehension(self, generators: list[ast.comprehension], env: Env) -> Env:
        inner = dict(env)
        for gen in generators:
            it = self.eval(gen.iter, inner)
            self.assign(gen.target, self._element(it), inner, gen.iter)
            for cond in gen.ifs:
                self.eval(cond, inner)
                pos, _ = self.refinements(cond, inner)
                self._apply(pos, inner)
        return inner

    @staticmethod
    def _element(it: Val) -> Val:
        if it.tag == KWARG_ITEMS:
            return Val(it.taint, items=(CLEAN, Val(it.taint)))
        if it.items:
            out = it.items[0]
            for item in it.items[1:]:
                out = join(out, item)
            return out
        if it.keys:  # iterating a dict gives its constant keys
            return CLEAN
        return Val(it.taint)

    def _fstring(self, node: ast.JoinedStr, env: Env) -> Val:
        parts: list[Taint] = []
        prefix = ""
        before = ""  # the constant text right before the current value
        fixed: frozenset[str] = frozenset()
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if not parts:
                    prefix += value.value
                before = value.value
                continue
            if not parts:
                fixed = _prefix_clears(prefix)
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            simple = (
                isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None
            )
            part = self._quoted(before if simple else "", self.eval(inner, env).taint)
            parts.append(embed(part) if value is not node.values[0] else part)  # after something: embedded
            before = ""
        taint = union_all(parts)
        if taint and len(node.values) > 1:
            template = "".join(
                v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            self._text_template(node, template, taint)
        if fixed and taint:
            taint = clear_all(taint, fixed)
        return Val(taint)

    def _textual_args(self, template: str | bytes, args: Val) -> Taint:
        """What `template % args` takes from arguments formatted as text: `%d`, `%x` and `%f`
        accept only numbers, which carry no quote, tag or line break (a weak random number
        stays weak)."""
        raw = template.encode("latin-1", "replace") if isinstance(template, str) else template
        codes = [m.group(1)[0] for m in _CONVERSION.finditer(raw) if m.group(1) != b"%"]
        exclusive, kinds = self.spec.exclusive_sources, self.spec.sink_kinds

        def number(taint: Taint) -> Taint:
            return tuple(lb if lb.kind in exclusive else lb.clear(kinds) for lb in taint)

        if args.items is not None and len(codes) == len(args.items):
            return union_all(
                [
                    number(v.taint) if c in _NUMERIC else v.taint
                    for c, v in zip(codes, args.items, strict=True)
                ]
            )
        if args.items is None and len(codes) == 1 and codes[0] in _NUMERIC:
            return number(args.taint)
        return args.taint

    def _text_template(self, node: ast.AST, template: str | bytes, taint: Taint) -> None:
        """A value formatted into text that holds HTML markup, or matches a sink's own pattern
        (a CRLF-terminated protocol line), reaches that template sink."""
        if not self.spec.template_sinks or not taint:
            return
        text = template.decode("latin-1") if isinstance(template, bytes) else template
        for sink in self.spec.template_sinks:
            pattern = sink.text_template or _HTML_TAG
            if pattern.search(text) is not None:
                self._hit(sink, node, taint, sink.label or "text template")

    def _repeat(self, left: Val, right: Val, left_node: ast.expr | None, right_node: ast.expr) -> None:
        """``b"x" * n`` or ``[0] * n``: a sequence repeated a tainted number of times."""
        for seq, count, node in ((left, right, right_node), (right, left, left_node)):
            sequence = isinstance(seq.const, str | bytes) or seq.items is not None
            if sequence and count.taint and node is not None:
                for sink in self.spec.repeat_sinks:
                    self._hit(sink, node, count.taint, "repetition")

    def _quoted(self, before: str, taint: Taint) -> Taint:
        """A value placed right after an opening quote that it was checked not to contain stays
        inside that literal: safe for the sink kinds the quote protects."""
        kinds = self.spec.quote_checks.get(before[-1:]) if before and taint else None
        if not kinds:
            return taint
        mark = QUOTE_MARK + before[-1]
        return tuple(lb._replace(cleared=lb.cleared | kinds) if mark in lb.cleared else lb for lb in taint)

    def _binop(
        self, op: ast.operator, left: Val, right: Val, right_node: ast.expr, left_node: ast.expr | None = None
    ) -> Val:
        if isinstance(op, ast.Add | ast.Mod | ast.Mult | ast.BitOr | ast.Div):
            taint = union(left.taint, right.taint)
            if isinstance(op, ast.Add) and left.items is not None and right.items is not None:
                return Val(taint, items=left.items + right.items)
            if isinstance(op, ast.Add) and left.first is not None:
                return Val(taint, head=left.first)  # [sys.executable] + argv: the program is known
            lt, rt = left.taint, right.taint
            if isinstance(op, ast.Mod) and isinstance(left.const, str | bytes) and rt:
                rt = self._textual_args(left.const, right)
                taint = union(lt, rt)
            if isinstance(op, ast.Mult) and self.spec.repeat_sinks:
                self._repeat(left, right, left_node, right_node)
            if isinstance(op, ast.Add) and isinstance(left.const, str):
                rt = self._quoted(left.const, rt)
            if isinstance(op, ast.Add | ast.Mod) and isinstance(left.const, str | bytes) and rt:
                self._text_template(right_node, left.const, embed(rt))
            elif isinstance(op, ast.Add) and isinstance(right.const, str | bytes) and right.const and lt:
                # `name + ": " + value + "\r\n"`: the constant text of the chain ends the line
                self._text_template(right_node, _chain_text(left_node, right.const), lt)
            if isinstance(op, ast.Div):  # Path(base) / name: the name goes under the base
                rt = embed(rt)
            elif isinstance(op, ast.Add | ast.Mod) and taint:
                # only what comes after something is embedded: `"ls " + cmd` and `fmt % args`
                # put a value inside other text; `cmd + " -v"` and `query % params` do not
                rt = rt if left.const == "" else embed(rt)
            taint = union(lt, rt)
            fixed = _prefix_clears(left.const) if isinstance(left.const, str) and not lt else frozenset()
            if isinstance(op, ast.Add | ast.Mod) and fixed:
                taint = clear_all(rt, fixed)
            if isinstance(op, ast.Mod) and right.keys is not None and isinstance(left.const, str):
                taint = union(lt, rt)
            const: object = NOCONST
            if isinstance(left.const, str) and isinstance(right.const, str) and isinstance(op, ast.Add):
                const = left.const + right.const
            return Val(taint, const=const)
        return CLEAN  # arithmetic gives numbers

    def _server_key(self, container: ast.expr, key: ast.expr, env: Env) -> bool:
        """``request.META["CSRF_COOKIE"]``: a constant key the server, not the client, sets.

        ``container`` is the subscripted expression, or the ``.get`` attribute of a call.
        """
        if isinstance(container, ast.Attribute) and container.attr == "get":
            container = container.value
        if not isinstance(container, ast.Attribute) or not isinstance(key, ast.Constant):
            return False
        patterns = self.spec.keyed_attributes.get(container.attr)
        if patterns is None or not isinstance(key.value, str):
            return False
        name = key.value
        if any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns):
            return False
        owner = self.eval(container.value, env).tag
        return owner == "request" or owner.startswith(REQPARAM)

    def _subscript(self, node: ast.Subscript, env: Env) -> Val:
        if self._server_key(node.value, node.slice, env):
            return CLEAN
        name = dotted(node.value)
        if name is not None:
            qual = self.s.program.qualify(self.module, name)
            src = self.spec.source_for(qual)
            if src is not None and name not in env:
                self.eval(node.slice, env)
                return self._source(node, name, src[0], src[1])
        base = self.eval(node.value, env)
        index = self.const(node.slice, env)
        self.eval(node.slice, env)
        if base.items is not None and isinstance(index, int) and -len(base.items) <= index < len(base.items):
            return base.items[index]
        if base.keys is not None and index is not NOCONST and hashable(index):
            if base.tag[5:] in self.spec.keyed_stores:  # store[section]: the values under it
                under: dict[object, Val] = {
                    k[1:] if len(k) > 2 else k[1]: v
                    for k, v in base.keys.items()
                    if isinstance(k, tuple) and len(k) > 1 and k[0] == index
                }
                return Val(union_all([v.taint for v in under.values()]), keys=under)
            return base.keys.get(index, CLEAN)
        if isinstance(node.slice, ast.Slice) and base.items is not None:
            return Val(base.taint)
        return Val(base.taint)

    def _attribute(self, node: ast.Attribute, env: Env) -> Val:
        name = dotted(node)
        if name is not None:
            local = env.get(name)
            if local is not None:
                return local
            head = name.split(".", 1)[0]
            if head not in env:
                qual = self.s.program.qualify(self.module, name)
                src = self.spec.source_for(qual)
                if src is not None:
                    return self._source(node, name, src[0], src[1])
                if qual in self.spec.request_objects:
                    return Val(tag="request")
        base = self.eval(node.value, env)
        attr = node.attr
        if base.tag == "request":
            if attr in self.spec.request_attributes:
                return self._source(node, f"request.{attr}", "remote", HIGH)
            return CLEAN
        if base.tag.startswith(REQPARAM):
            return self._request_attr(node, base.tag, attr)
        if base.tag.startswith("self:"):
            cls = base.tag[5:]
            inherited = self._inherited(cls, attr)
            if inherited and inherited in self.spec.request_objects:
                return Val(tag="request")  # Tornado's self.request
            store = self.s.class_store.get(cls, {}).get(attr, EMPTY)
            tag = self.s.class_types.get(cls, {}).get(attr, "")
            if self.fi.is_method and not self.is_module:
                return Val(union((Label(SELFATTR, attr, frozenset(), (), HIGH),), store), tag=tag)
            return Val(store, tag=tag)
        if base.attrs is not None and attr in base.attrs:
            return base.attrs[attr]
        if base.tag.startswith("inst:"):
            return Val(self.s.class_store.get(base.tag[5:], {}).get(attr, EMPTY))
        if base.tag.startswith("module:") and name is not None:
            return self._global_name(node, name)
        if base.tag.startswith(("func:", "class:")):
            return CLEAN
        return Val(base.taint)
