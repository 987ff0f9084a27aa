"""Sinks: whether a call, subscript store or route return reaches a rule's sink.

Keyword conditions (shell=True, safe loaders, plain-text content types), argv programs and
`sh -c` command strings, safe XML parsers; a concrete label reaching a sink is reported, a
symbolic one goes into the function's summary for its callers.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from vulnhound.engine.modules import dotted
from vulnhound.engine.spec import SinkSpec
from vulnhound.engine.taint import EMPTY, MAX_PATH, NOCONST, Taint, Val, blocked, union
from vulnhound.engine.walker import Env, SinkHit, WalkerBase, concat_path
from vulnhound.findings import FlowStep

# shells and the flag that makes their next argument a command string
_SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "cmd", "cmd.exe", "powershell", "pwsh"}
)
_COMMAND_FLAGS = frozenset({"-c", "/c", "/C", "-lc", "-ec", "-xc", "-Command", "-command"})


def _shell_command(argv: Val) -> Taint:
    """The taint of ``cmd`` in ``["sh", "-c", cmd, ...]``; nothing for other argv lists."""
    items = argv.items
    if not items or not isinstance(items[0].const, str):
        return EMPTY
    program = items[0].const.replace("\\", "/").rsplit("/", 1)[-1]
    if program not in _SHELLS:
        return EMPTY
    for i, item in enumerate(items[1:-1], start=1):
        if item.const in _COMMAND_FLAGS:
            return items[i + 1].taint
    return EMPTY


def _listed(value: object, values: Sequence[Any]) -> bool:
    """A keyword value named in an ``unless_keyword`` list ("text/plain*": any value with that prefix)."""
    if value in values or str(value).rsplit(".", 1)[-1] in values:
        return True
    return isinstance(value, str) and any(
        isinstance(v, str) and v.endswith("*") and value.startswith(v[:-1]) for v in values
    )


class _Absent:
    pass


_ABSENT = _Absent()


class SinkWalker(WalkerBase):
    """Sinks: whether a call, subscript store or route return reaches a rule's sink."""

    def _keyword_const(self, node: ast.Call, key: str) -> object:
        for kw in node.keywords:
            if kw.arg == key:
                if isinstance(kw.value, ast.Constant):
                    return kw.value.value
                name = dotted(kw.value)
                return self.s.program.qualify(self.module, name) if name else NOCONST
        return _ABSENT

    def _check_sink(
        self, sink: SinkSpec, node: ast.Call, args: list[Val], kws: dict[str, Val],
        star_kw: Taint, recv: Val | None, callee: str, env: Env,
    ) -> None:  # fmt: skip
        if len(node.args) + len(node.keywords) < sink.min_args:
            return
        for key, expected in sink.when_keyword.items():
            value = self._keyword_const(node, key)
            if value is _ABSENT and any(k.arg is None for k in node.keywords):
                continue  # **kwargs may set it; keep the sink
            if value != expected:
                return
        for key, values in sink.unless_keyword.items():
            value = self._keyword_const(node, key)
            if value is not _ABSENT and _listed(value, values):
                return
        if sink.parser_arg is not None or sink.parser_keyword:
            parser = None
            if sink.parser_arg is not None and len(args) > sink.parser_arg:
                parser = args[sink.parser_arg]
            elif sink.parser_keyword in kws:
                parser = kws[sink.parser_keyword]
            if parser is not None and parser.tag == "safe-xml-parser":
                return
        taint = EMPTY
        if sink.not_dict and args and (args[0].keys is not None or isinstance(node.args[0], ast.Dict)):
            return
        if sink.shell_command:
            argv = args[0] if args else kws.get("args")
            taint = _shell_command(argv) if argv is not None else EMPTY
        elif sink.program:
            if sink.when_keyword.get("shell") is None and self._keyword_const(node, "shell") not in (
                _ABSENT,
                False,
                None,
            ):
                return  # shell=True is the other sink's business
            argv = args[0] if args else kws.get("args")
            if argv is not None:
                if argv.items is not None:
                    taint = argv.items[0].taint if argv.items else EMPTY
                else:
                    head = argv.head
                    taint = head.taint if head is not None else argv.taint
        else:
            for i in sink.args:
                if i < len(args):
                    taint = union(taint, args[i].taint)
            if any(isinstance(a, ast.Starred) for a in node.args):
                for a in args:
                    taint = union(taint, a.taint)
            for key in sink.keywords:
                if key in kws:
                    taint = union(taint, kws[key].taint)
            if sink.keywords and star_kw:
                taint = union(taint, star_kw)
            if sink.receiver and recv is not None:
                taint = union(taint, recv.taint)
        if taint:
            self._hit(sink, node, taint, callee)

    def _hit(self, sink: SinkSpec, node: ast.AST, taint: Taint, callee: str) -> None:
        location = self._loc(node)
        step = FlowStep(location, f"sink: {callee} ({sink.label})")
        for label in taint:
            if blocked(label, sink.kind):
                continue
            reached = label._replace(
                path=concat_path(label.path[: MAX_PATH - 1], step, ()) if label.path else (step,)
            )
            if label.symbolic:
                self.summary.sinks.append(SinkHit(reached, sink, location, callee, self.context))
            else:
                self.s.report(sink, location, reached, callee, self.context)

    def _route_return(self, node: ast.expr, val: Val) -> None:
        if isinstance(node, ast.Tuple) and node.elts:
            node = node.elts[0]
            val = val.items[0] if val.items else val
        if isinstance(node, ast.Dict | ast.List | ast.ListComp | ast.DictComp):
            return
        if not val.taint or val.tag:
            return
        for sink in self.spec.sinks:
            if sink.route_return:
                self._hit(sink, node, val.taint, "response body")
