"""Calls: sources, sanitizers, container mutation and interprocedural summaries.

A call is matched against the rule data first (sources, sinks, sanitizers, cleaners), then
resolved into scanned code, whose summary is applied with the actual arguments substituted for
the symbolic parameter, `self` attribute and request-attribute labels.
"""

from __future__ import annotations

import ast

from vulnhound.engine.modules import FunctionInfo, Program, dotted
from vulnhound.engine.spec import ALL
from vulnhound.engine.taint import (
    CLEAN,
    EMPTY,
    HIGH,
    LIBRARY,
    MAX_PATH,
    NOCONST,
    PARAM,
    REQATTR,
    REQPARAM,
    SELFATTR,
    Label,
    Taint,
    Val,
    blocked,
    clear_all,
    embed,
    step_all,
    substituted,
    union,
    union_all,
)
from vulnhound.engine.walker import EMPTY_SUMMARY, KWARG_ITEMS, KWARGS, Env, WalkerBase, concat_path, hashable
from vulnhound.findings import FlowStep

_NUMERIC = frozenset({"numeric"})  # cleared-set mark: the value was converted to a number
_EDITS = frozenset({"pop", "remove", "insert", "clear"})
_MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "appendleft", "setdefault", "write", "writelines"}
)


def _external_base(program: Program, cls: str, depth: int) -> str:
    """The first base class, through scanned ancestors, that is not scanned code (or "")."""
    klass = program.klass(cls)
    if klass is None or depth > 8:
        return ""
    for base in klass.bases:
        if program.klass(base) is None:
            if base not in ("object", "builtins.object"):
                return base
        else:
            found = _external_base(program, base, depth + 1)
            if found:
                return found
    return ""


def _truthy(flag: Val | None) -> bool:
    """A keyword given and not a constant False/None (``autoescape=select_autoescape()`` counts)."""
    return flag is not None and flag.const is not False and flag.const is not None


class CallWalker(WalkerBase):
    """Calls: sources, sanitizers, container mutation and interprocedural summaries."""

    def _call(self, node: ast.Call, env: Env) -> Val:
        func = node.func
        name = dotted(func)
        program = self.s.program
        recv: Val | None = None
        fval: Val | None = None
        if isinstance(func, ast.Attribute):
            recv = self.eval(func.value, env)
            if name is None:
                name = f"?.{func.attr}"
        elif isinstance(func, ast.Name):
            fval = env.get(func.id) or self.globals.get(func.id)
        elif isinstance(func, ast.Lambda):
            fval = Val(tag="lambda", ref=func)
        else:
            fval = self.eval(func, env)
        qual = (
            program.qualify(self.module, name)
            if name and not (recv is not None and recv.tag.startswith(("self:", "inst:")))
            else (name or "")
        )
        if recv is not None and name and not name.startswith("?") and self._data_head(name, env):
            qual = f"?.{name.partition('.')[2]}"  # a variable named `regex` is not the regex module
        if recv is not None and recv.tag.startswith("type:") and isinstance(func, ast.Attribute):
            qual = f"{recv.tag[5:]}.{func.attr}"  # requests.Session().get -> requests.Session.get
        elif recv is not None and recv.tag.startswith(("self:", "inst:")) and isinstance(func, ast.Attribute):
            qual = self._inherited(recv.tag[5:], func.attr) or qual  # self.write -> RequestHandler.write
        args = [self.eval(a, env) for a in node.args]
        kws: dict[str, Val] = {}
        star_kw = EMPTY
        for kw in node.keywords:
            val = self.eval(kw.value, env)
            if kw.arg is None:
                star_kw = union(star_kw, val.taint)
            else:
                kws[kw.arg] = val
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        if recv is not None and recv.tag == KWARGS and attr in ("keys", "items"):
            # the keys of **kwargs are keyword names written at the call sites
            return Val(recv.taint, tag=KWARG_ITEMS) if attr == "items" else CLEAN
        if attr == "get" and node.args and self._server_key(func, node.args[0], env):
            return CLEAN
        # sources
        if recv is not None and recv.tag == "request" and attr in self.spec.request_attributes:
            return self._source(node, f"request.{attr}()", "remote", HIGH)
        if recv is not None and recv.tag.startswith(REQPARAM):
            return self._request_attr(node, recv.tag, f"{attr}()")
        src = self.spec.source_for(qual) if qual else None
        if src is not None:
            return self._source(node, name or qual, src[0], src[1])
        if attr and attr in self.spec.source_methods and recv is not None and not recv.tag:
            return self._source(node, f"{name}()", self.spec.source_methods[attr], HIGH)
        # sinks
        sinks = self.spec.sinks_for(qual) if qual else ()
        for sink in sinks:
            self._check_sink(sink, node, args, kws, star_kw, recv, name or qual, env)
        # sanitizers and cleaners
        everything = union_all([a.taint for a in args] + [v.taint for v in kws.values()] + [star_kw])
        if recv is not None:
            everything = union(everything, recv.taint)
        clears = self.spec.sanitizer_for(qual) if qual else None
        arity = len(node.args) + len(node.keywords)
        if (
            clears is None
            and attr in self.spec.sanitizer_methods
            and not (recv and recv.tag)
            and arity >= self.spec.sanitizer_method_min_args.get(attr, 0)
        ):
            clears = self.spec.sanitizer_methods[attr]
        if clears is not None:
            if ALL in clears:
                return self._lasting(everything, frozenset(c[1:] for c in clears if c[:1] == "!"))
            return Val(clear_all(everything, clears))
        if qual and self.spec.autoescape_templates.match(qual) and _truthy(kws.get("autoescape")):
            return Val(everything)  # an escaping template: its render() output is escaped
        returned = self.spec.returns.get(qual) if qual else None
        type_tag = (
            f"type:{returned}"
            if returned
            else f"type:{qual}"
            if "." in qual and qual.rsplit(".", 1)[-1][:1].isupper()
            else ""
        )
        if sinks and not self.spec.propagators.match(qual):
            return Val(tag=type_tag)  # what a sink returns (a cursor, a process, a file) is not the input
        # rule data that names a function exactly wins over its scanned implementation
        if qual in self.spec.cleaners.exact and qual not in self.spec.propagators.exact:
            return self._lasting(everything)
        if qual == "map" and len(node.args) > 1:  # map(escape, values) sanitises each value
            mapped = dotted(node.args[0])
            mapped_clears = self.spec.sanitizer_for(program.qualify(self.module, mapped)) if mapped else None
            if mapped_clears is not None:
                rest = union_all([a.taint for a in args[1:]])
                return CLEAN if ALL in mapped_clears else Val(clear_all(rest, mapped_clears))
        # user code
        target = self._resolve(func, name, qual, recv, fval)
        if target is not None:
            return self._call_user(target, node, args, kws, star_kw, recv, env)
        if fval is not None and fval.tag == "lambda" and isinstance(fval.ref, ast.Lambda):
            return self._call_lambda(fval.ref, args, env)
        if qual and self.spec.cleaners.match(qual) and not self.spec.propagators.exact.__contains__(qual):
            return self._lasting(everything)
        # xml parsers: remember whether a parser resolves external entities
        if qual and self.spec.xml_parsers.match(qual):
            resolve = kws.get("resolve_entities")
            if resolve is not None and resolve.const is False:
                return Val(tag="safe-xml-parser")
        # containers: mutation, constant-key reads
        if recv is not None and isinstance(func, ast.Attribute):
            if recv.tag[5:] in self.spec.keyed_stores and recv.keys is not None:
                stored = self._keyed_store(func.value, attr, node, args, kws, recv, env)
                if stored is not None:
                    return stored
            if attr in _EDITS and (recv.items is not None or recv.keys is not None):
                edited = self._edit(func.value, attr, node, args, recv, env)
                if edited is not None:
                    return edited
            if attr in _MUTATORS:
                self._mutate(func.value, attr, args, env)
                return CLEAN
            if attr == "setFeature" and len(node.args) == 2 and self._external_entities_on(node, env):
                parser_key = dotted(func.value)
                if parser_key is not None:
                    env[parser_key] = Val(recv.taint, tag="type:xml.sax.ExternalEntityParser")
                return CLEAN
            if attr == "get" and recv.keys is not None and args:
                key = self.const(node.args[0], env)
                if key is not NOCONST and hashable(key):
                    found = recv.keys.get(key)
                    default = args[1] if len(args) > 1 else CLEAN
                    return found if found is not None else default
            if attr in ("copy", "strip", "lower", "upper") and recv.items is not None:
                return recv
        if everything:
            everything = self._guessed_through(everything, qual, attr, recv)
        if everything:
            everything = self._embedding(node, name, qual, attr, recv, args, kws, star_kw, everything)
            step = FlowStep(self._loc(node), f"through {name or 'call'}()")
            everything = (
                step_all(everything, step)
                if len(node.args) + len(node.keywords) > 0 and recv is None
                else everything
            )
        if type_tag and target is None:
            keys: dict[object, Val] | None = {} if qual in self.spec.keyed_stores else None
            return Val(everything, tag=type_tag, keys=keys)
        return Val(everything)

    def _keyed_store(
        self,
        target: ast.expr,
        attr: str,
        node: ast.Call,
        args: list[Val],
        kws: dict[str, Val],
        recv: Val,
        env: Env,
    ) -> Val | None:
        """A store of values under constant key paths (configparser: ``set(section, option,
        value)``, ``get(section, option)``): each value is read back by its own keys."""
        key = target.id if isinstance(target, ast.Name) else dotted(target)
        keys = dict(recv.keys or {})
        path = tuple(self.const(a, env) for a in node.args)
        if attr == "set" and len(args) >= 2:
            if key is None:
                return None
            if NOCONST in path[:-1] or not all(hashable(p) for p in path[:-1]):
                # an unknown key may be any key: the whole store holds the value from now on
                env[key] = Val(union(recv.taint, args[-1].taint), tag=recv.tag)
                return CLEAN
            keys[path[:-1]] = args[-1]
            env[key] = Val(union_all([v.taint for v in keys.values()]), keys=keys, tag=recv.tag)
            return CLEAN
        if attr.startswith("get") and args and NOCONST not in path and all(hashable(p) for p in path):
            found = keys.get(path)
            return found if found is not None else kws.get("fallback", CLEAN)
        if attr in ("add_section", "has_section", "has_option", "sections", "read", "read_string"):
            return CLEAN
        return None

    def _guessed_through(self, taint: Taint, qual: str, attr: str, recv: Val | None) -> Taint:
        """Library labels are a guess from a parameter's name, so they pass only through string
        building, known propagators and the value's own methods (``url.strip()``): an unknown
        call given the name (``get_model(app_label)``) is a lookup, not the name."""
        if not any(lb.kind == LIBRARY for lb in taint):
            return taint
        if attr in ("join", "format") or (
            qual and (self.spec.propagators.match(qual) or self.spec.joiners.match(qual))
        ):
            return taint
        own = recv.taint if recv is not None else EMPTY
        return tuple(lb for lb in taint if lb.kind != LIBRARY or lb in own)

    def _lasting(self, taint: Taint, keeps: frozenset[str] = frozenset()) -> Val:
        """What a conversion, digest or check leaves: labels whose weakness no function removes
        (a predictable random number is as predictable as text, digit or hash), and the others
        only for the sink kinds in ``keeps`` (a number still sizes an allocation)."""
        exclusive = self.spec.exclusive_sources
        others = (self.spec.sink_kinds - keeps) | _NUMERIC
        kept = tuple(
            lb if lb.kind in exclusive else lb.clear(others) for lb in taint if keeps or lb.kind in exclusive
        )
        return Val(kept) if kept else CLEAN

    def _embedding(
        self, node: ast.Call, name: str | None, qual: str, attr: str, recv: Val | None,
        args: list[Val], kws: dict[str, Val], star_kw: Taint, everything: Taint,
    ) -> Taint:  # fmt: skip
        """The taint of a call that puts its arguments into a larger string or path: the arguments
        are embedded (``fmt.format(x)``, ``sep.join(xs)``, ``os.path.join(base, x)``)."""
        module_function = recv is None or (name is not None and name.partition(".")[0] in self.module.aliases)
        if qual and self.spec.joiners.match(qual):
            if module_function:
                base = args[0].taint if args else EMPTY
                rest = [a.taint for a in args[1:]]
            else:
                base = recv.taint if recv is not None else EMPTY
                rest = [a.taint for a in args]
        elif (
            recv is not None
            and not module_function
            and (attr == "format" or (attr == "join" and isinstance(recv.const, str | bytes) and recv.const))
        ):
            base = recv.taint
            rest = [a.taint for a in args]
        else:
            return everything
        rest += [v.taint for v in kws.values()]
        rest.append(star_kw)
        if attr in ("format", "join") and recv is not None and isinstance(recv.const, str | bytes):
            template = recv.const
            if attr == "join" and node.args and isinstance(node.args[0], ast.List | ast.Tuple):
                # b" ".join([method, uri, b"HTTP/1.1\r\n"]): the line is the joined pieces
                pieces = [e.value for e in node.args[0].elts if isinstance(e, ast.Constant)]
                if isinstance(template, str):
                    template = template.join(p for p in pieces if isinstance(p, str))
                else:
                    template = template.join(p for p in pieces if isinstance(p, bytes))
            self._text_template(node, template, embed(union_all(rest)))
        return union(base, embed(union_all(rest)))

    def _inherited(self, cls: str, attr: str) -> str:
        """``Base.attr`` when ``attr`` of scanned class ``cls`` comes from a framework base class."""
        key = (cls, attr)
        found = self.s.inherited.get(key)
        if found is None:
            found = ""
            if self.s.program.method(cls, attr) is None:
                base = _external_base(self.s.program, cls, 0)
                found = f"{base}.{attr}" if base else ""
            self.s.inherited[key] = found
        return found

    def _data_head(self, name: str, env: Env) -> bool:
        """The dotted name starts with a variable holding data, not an import or a definition."""
        head = name.partition(".")[0]
        if head in self.module.aliases:
            return False
        val = env.get(head) or self.globals.get(head)
        return val is not None and not val.tag.startswith(("class:", "func:", "module:", "self:", "request"))

    def _external_entities_on(self, node: ast.Call, env: Env) -> bool:
        feature = dotted(node.args[0]) or ""
        qual = self.s.program.qualify(self.module, feature) if feature else ""
        named = qual.endswith(("feature_external_ges", "feature_external_pes"))
        literal = isinstance(node.args[0], ast.Constant) and "external-general-entities" in str(
            node.args[0].value
        )
        return (named or literal) and bool(self.const(node.args[1], env))

    def _edit(
        self, target: ast.expr, attr: str, node: ast.Call, args: list[Val], recv: Val, env: Env
    ) -> Val | None:
        """``pop``/``remove``/``insert``/``clear`` on a list or dict whose elements are known: the
        elements shift as Python shifts them, and ``pop`` returns the element it removes. None
        when the index or key is not a constant (the caller then treats the call as a merge)."""
        key = target.id if isinstance(target, ast.Name) else dotted(target)
        if key is None or env.get(key) is not recv:
            return None
        consts = [self.const(a, env) for a in node.args[:1]]  # the index, key or removed value
        if NOCONST in consts or node.keywords:
            return None
        if recv.keys is not None:  # dict.pop(key[, default]), dict.clear()
            if attr == "clear":
                env[key] = Val(EMPTY, keys={}, tag=recv.tag)
                return CLEAN
            if attr != "pop" or not consts or not hashable(consts[0]):
                return None
            keys = dict(recv.keys)
            found = keys.pop(consts[0], None)
            env[key] = Val(union_all([v.taint for v in keys.values()]), keys=keys, tag=recv.tag)
            return found if found is not None else (args[1] if len(args) > 1 else CLEAN)
        items = list(recv.items or ())
        result: Val = CLEAN
        try:
            if attr == "pop":
                index = consts[0] if consts else -1
                if not isinstance(index, int):
                    return None
                result = items.pop(index)
            elif attr == "insert" and len(args) == 2 and isinstance(consts[0], int):
                items.insert(consts[0], args[1])
            elif attr == "remove" and consts:
                # the first equal element goes; an unknown element before it might be that one
                index = next(i for i, v in enumerate(items) if v.const is NOCONST or v.const == consts[0])
                if items[index].const is NOCONST:
                    return None
                items.pop(index)
            elif attr == "clear":
                items = []
            else:
                return None
        except (IndexError, TypeError, StopIteration):
            return None
        env[key] = Val(union_all([v.taint for v in items]), items=tuple(items), tag=recv.tag)
        return result

    def _mutate(self, target: ast.expr, attr: str, args: list[Val], env: Env) -> None:
        key = target.id if isinstance(target, ast.Name) else dotted(target)
        if key is None:
            return
        owner = env.get(key) or self.globals.get(key)
        if owner is None:
            return
        added = union_all([a.taint for a in args])
        items = owner.items
        head = owner.head
        if attr == "append" and items is not None and args:
            items = (*items, args[0])
        elif attr == "extend" and items is not None and args and args[0].items is not None:
            items = items + args[0].items
        elif added:
            head = owner.first
            items = None
        keys = owner.keys
        if attr == "update" and keys is not None and args and args[0].keys is not None:
            keys = {**keys, **args[0].keys}
        elif added and keys is not None:
            keys = None
        env[key] = Val(
            union(owner.taint, added), items=items, keys=keys, tag=owner.tag, attrs=owner.attrs,
            head=head if items is None else None,
        )  # fmt: skip
        if key.startswith("self.") and key.count(".") == 1 and self.fi.cls:
            self._self_effect(self.fi.cls, key[5:], env[key].taint)

    def _resolve(
        self, func: ast.expr, name: str | None, qual: str, recv: Val | None, fval: Val | None
    ) -> tuple[str, str] | None:
        """("func"|"class", qualified name) for a call into scanned code."""
        program = self.s.program
        if fval is not None and fval.tag.startswith(("func:", "class:")):
            kind, _, target = fval.tag.partition(":")
            return (kind, target) if (program.function(target) or program.klass(target)) else None
        if recv is not None and isinstance(func, ast.Attribute):
            tag = recv.tag
            if tag.startswith(("self:", "inst:", "class:")):
                method = program.method(tag.partition(":")[2], func.attr)
                return ("func", method.qualname) if method else None
            if not tag.startswith("module:") and not (name and not name.startswith("?")):
                return None
        if not qual or qual.startswith("?"):
            return None
        if program.function(qual) is not None:
            return "func", qual
        klass = program.klass(qual)
        if klass is not None:
            return "class", klass.qualname
        return None

    def _call_user(
        self, target: tuple[str, str], node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, env: Env,
    ) -> Val:  # fmt: skip
        kind, qual = target
        program = self.s.program
        if kind == "class":
            init = program.method(qual, "__init__")
            obj = Val(tag=f"inst:{qual}", attrs={})
            if init is None:
                return Val(
                    union_all([a.taint for a in args] + [v.taint for v in kws.values()] + [star_kw]),
                    tag=f"inst:{qual}",
                )
            _, effects = self._apply_summary(init, node, args, kws, star_kw, obj, bound_receiver=True)
            attrs = {k: Val(t) for k, t in effects.items()}
            return Val(union_all(list(effects.values())), attrs=attrs, tag=f"inst:{qual}")
        fi = program.function(qual)
        if fi is None:
            return CLEAN
        bound = fi.is_method and recv is not None and not recv.tag.startswith("class:")
        if fi.is_method and recv is not None and recv.tag.startswith("class:"):
            bound = False
        ret, effects = self._apply_summary(fi, node, args, kws, star_kw, recv, bound_receiver=bound)
        if effects and recv is not None and isinstance(node.func, ast.Attribute):
            base = node.func.value
            key = base.id if isinstance(base, ast.Name) else dotted(base)
            if recv.tag.startswith("self:") and self.fi.cls:
                for attr, taint in effects.items():
                    env[f"self.{attr}"] = Val(taint)
                    self._self_effect(self.fi.cls, attr, taint)
            elif key is not None:
                attrs = dict(recv.attrs or {})
                for attr, taint in effects.items():
                    attrs[attr] = Val(taint)
                env[key] = Val(
                    union(recv.taint, union_all(list(effects.values()))), attrs=attrs, tag=recv.tag
                )
        return ret

    def _apply_summary(
        self, fi: FunctionInfo, node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, bound_receiver: bool,
    ) -> tuple[Val, dict[str, Taint]]:  # fmt: skip
        self.callees.add(fi.qualname)
        summary = self.s.summaries.get(fi.qualname, EMPTY_SUMMARY)
        if not summary.ret and not summary.sinks and not summary.effects:
            return CLEAN, {}
        bound: dict[str, Taint] = {}
        requests: dict[str, str] = {}  # parameter index -> request tag of the argument passed
        offset = 1 if bound_receiver else 0
        params = fi.params
        node_fn = fi.node
        kwonly = [a.arg for a in node_fn.args.kwonlyargs] if node_fn is not None else []
        if bound_receiver and recv is not None:
            bound["0"] = recv.taint
        for j, a in enumerate(args):
            index = j + offset
            key = str(index) if index < len(params) else "*"
            bound[key] = union(bound.get(key, EMPTY), a.taint)
            if a.tag == "request" or a.tag.startswith(REQPARAM):
                requests[key] = a.tag
        for k, v in kws.items():
            if k in params:
                key = str(params.index(k))
            elif k in kwonly:
                key = str(len(params) + kwonly.index(k))
            else:
                key = "**"
            bound[key] = union(bound.get(key, EMPTY), v.taint)
            if v.tag == "request" or v.tag.startswith(REQPARAM):
                requests[key] = v.tag
        if star_kw:
            bound["**"] = union(bound.get("**", EMPTY), star_kw)
        call_step = FlowStep(self._loc(node), f"call to {fi.short}")

        def actual(label: Label) -> Taint:
            if label.kind == PARAM:
                found = bound.get(label.origin, EMPTY)
            elif label.kind == SELFATTR:
                found = self._receiver_attr(recv, label.origin) if recv is not None else EMPTY
            elif label.kind == REQATTR:
                index, _, attr = label.origin.partition(":")
                tag = requests.get(index)
                if tag is None:  # not a request: an attribute of tainted data is tainted
                    found = bound.get(index, EMPTY)
                else:
                    path = (*label.path[:1], call_step, *label.path[1:])[:MAX_PATH]
                    if tag == "request":
                        return (Label("remote", f"request.{attr}", label.cleared, path, HIGH),)
                    origin = f"{tag[len(REQPARAM) :]}:{attr}"
                    return (Label(REQATTR, origin, label.cleared, path, HIGH),)
            else:
                return (label,)
            return tuple(
                a._replace(
                    cleared=substituted(a, label.cleared), path=concat_path(a.path, call_step, label.path)
                )
                for a in found
            )

        ret = union_all([actual(lb) for lb in summary.ret])
        for hit in summary.sinks:
            for reached in actual(hit.label):
                if blocked(reached, hit.spec.kind):
                    continue
                if reached.symbolic:
                    self.summary.sinks.append(hit._replace(label=reached))
                else:
                    self.s.report(hit.spec, hit.location, reached, hit.callee, hit.context)
        effects = {attr: union_all([actual(lb) for lb in taint]) for attr, taint in summary.effects.items()}
        return Val(ret), {k: v for k, v in effects.items() if v}

    def _receiver_attr(self, recv: Val, attr: str) -> Taint:
        if recv.attrs is not None and attr in recv.attrs:
            return recv.attrs[attr].taint
        if recv.tag.startswith("self:"):
            cls = recv.tag[5:]
            store = self.s.class_store.get(cls, {}).get(attr, EMPTY)
            if self.fi.is_method:
                return union((Label(SELFATTR, attr, frozenset(), (), HIGH),), store)
            return store
        if recv.tag.startswith("inst:"):
            return self.s.class_store.get(recv.tag[5:], {}).get(attr, EMPTY)
        return recv.taint

    def _call_lambda(self, fn: ast.Lambda, args: list[Val], env: Env) -> Val:
        inner = dict(env)
        params = [*fn.args.posonlyargs, *fn.args.args]
        for p, a in zip(params, args, strict=False):
            inner[p.arg] = a
        return self.eval(fn.body, inner)
