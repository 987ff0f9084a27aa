"""Checking a model's finding against the code before it may count.

A hunting model names a CWE, a sink line and the call on it. The code decides what can be
decided: the line exists and holds that call; the CWE fits what the call is known to be (a
command sink is no SQL injection); and, for the weaknesses the taint engine models, the engine
runs again on the file with the cited call added as a sink of that kind and its own sources
(requests, operator input, library parameters named for outside data; not every parameter: a
wrapper's parameter is its callers' business): a flow into it verifies the finding, a call whose
arguments are all constants refutes it, anything else leaves it unverified. Only verified
findings, or unverified ones several models agree on, fail a build.

The scanned code is only parsed, never run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from vulnhound.engine.analyzer import analyze_files
from vulnhound.engine.modules import ModuleInfo, collect_aliases, dotted
from vulnhound.engine.spec import EngineSpec, build_spec
from vulnhound.pyparse import PythonSyntaxError, parse_python
from vulnhound.rules.catalog import RuleInfo
from vulnhound.sources import SourceFile

Status = Literal["verified", "unverified", "refuted"]
VERIFIED: Status = "verified"
UNVERIFIED: Status = "unverified"
REFUTED: Status = "refuted"
# an unverified finding that --consensus K models reported: it counts for the build
CONFIRMED = "confirmed-by-consensus"
RULE_PREFIX = "verify/"


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


@dataclass(frozen=True)
class Claim:
    """What a model says: a weakness of ``cwe`` at ``line`` of ``path``, in the call
    ``sink_call`` (as written; may be empty), fed from ``source_line`` (0: not given)."""

    path: str
    cwe: str
    line: int
    sink_call: str = ""
    source_line: int = 0


def kinds_by_cwe(rules: Sequence[RuleInfo]) -> dict[str, frozenset[str]]:
    """CWE -> the engine's sink kinds whose rules carry it (CWE-89 -> {"sql"})."""
    found: dict[str, set[str]] = {}
    for rule in rules:
        kind = str(rule.data.get("kind", ""))
        if kind and rule.data.get("sink"):
            for cwe in rule.cwe:
                found.setdefault(cwe, set()).add(kind)
    return {cwe: frozenset(kinds) for cwe, kinds in found.items()}


def _last_name(call_text: str) -> str:
    """``cursor.execute(`` -> ``execute``; ``subprocess.get`` -> ``get``."""
    text = call_text.strip().split("(", 1)[0].strip()
    return text.rsplit(".", 1)[-1].strip()


@dataclass
class _Module:
    source: SourceFile
    tree: ast.Module | None
    info: ModuleInfo | None


class Verifier:
    """Decides claims about the files of one scan (Python with the engine, others by text)."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        rules: Sequence[RuleInfo],
        rule_files: Sequence[str] = (),
        spec: EngineSpec | None = None,  # the engine spec of these rules, when the caller has it
    ):
        self._files = {f.path: f for f in files}
        self._rules = [r for r in rules if r.analyzer == "engine"]
        self._rule_files = tuple(rule_files)
        self._kinds = kinds_by_cwe(self._rules)
        self._modules: dict[str, _Module] = {}
        self._spec = spec

    def check(self, claim: Claim) -> Verdict:
        source = self._files.get(claim.path)
        if source is None:
            return Verdict(REFUTED, f"{claim.path} is not a scanned file")
        lines = source.text.splitlines()
        if not 1 <= claim.line <= len(lines):
            return Verdict(REFUTED, f"{claim.path} has no line {claim.line}")
        module = self._module(source)
        calls = self._calls_at(module, lines, claim.line)
        wanted = _last_name(claim.sink_call)
        kinds = self._kinds.get(claim.cwe, frozenset())
        if wanted:
            named = [(text, node) for text, node in calls if text.rsplit(".", 1)[-1] == wanted]
            if not named or self._other_module(module, claim.sink_call, named):
                return Verdict(REFUTED, f"line {claim.line} holds no call to {claim.sink_call.strip()!r}")
            calls = named
        if kinds and not calls:
            return Verdict(REFUTED, f"line {claim.line} holds no call that {claim.cwe} could flow into")
        if not kinds or module.tree is None or module.info is None:
            return Verdict(UNVERIFIED, f"nothing on line {claim.line} decides {claim.cwe} either way")
        return self._decide(claim, module, calls, kinds)

    def _other_module(self, module: _Module, cited: str, calls: list[tuple[str, ast.Call | None]]) -> bool:
        """The citation names an imported module (`subprocess.get`) that none of the line's
        calls of that name goes through (`requests.get`)."""
        name = cited.strip().split("(", 1)[0].strip()
        head = name.partition(".")[0]
        if module.info is None or "." not in name or head not in module.info.aliases:
            return False
        wanted = self._qualified(module, name)
        return all(self._qualified(module, text) != wanted for text, _node in calls)

    # -- the cited line ------------------------------------------------------------------

    def _module(self, source: SourceFile) -> _Module:
        found = self._modules.get(source.path)
        if found is None:
            tree = info = None
            if source.language == "python":
                try:
                    tree = parse_python(source.text, source.path)
                except (PythonSyntaxError, RecursionError):
                    tree = None
            if tree is not None:
                info = ModuleInfo(source.path, source.path, tree, False)
                collect_aliases(info)
            found = self._modules[source.path] = _Module(source, tree, info)
        return found

    def _calls_at(self, module: _Module, lines: list[str], line: int) -> list[tuple[str, ast.Call | None]]:
        """The calls on the line, by their written name (Python: from the tree, so a call
        spanning lines counts where it starts or ends; other languages: by text)."""
        if module.tree is None:
            pattern = re.compile(r"([A-Za-z_$][\w$]*(?:\s*(?:\.|->|::)\s*[A-Za-z_$][\w$]*)*)\s*\(")
            return [
                (re.sub(r"\s*(?:\.|->|::)\s*", ".", m.group(1)), None)
                for m in pattern.finditer(lines[line - 1])
            ]
        found: list[tuple[str, ast.Call | None]] = []
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or node.lineno):
                name = dotted(node.func)
                if name is None and isinstance(node.func, ast.Attribute):
                    name = node.func.attr
                if name:
                    found.append((name, node))
        return found

    # -- the engine's opinion ------------------------------------------------------------

    def _qualified(self, module: _Module, name: str) -> str:
        assert module.info is not None
        head, _, rest = name.partition(".")
        base = module.info.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def _decide(
        self,
        claim: Claim,
        module: _Module,
        calls: list[tuple[str, ast.Call | None]],
        kinds: frozenset[str],
    ) -> Verdict:
        spec = self._base_spec()
        known = {
            text: {s.kind for s in spec.sinks_for(self._qualified(module, text))} for text, _node in calls
        }
        if all(known.values()) and not any(kinds & k for k in known.values()):
            what = ", ".join(f"{t} ({'/'.join(sorted(k))})" for t, k in known.items())
            return Verdict(REFUTED, f"{claim.cwe} does not fit the call on line {claim.line}: {what}")
        names = sorted(
            {self._qualified(module, text) for text, _node in calls} | {text for text, _n in calls}
        )
        extra = [_sink_rule(kind, names, claim.cwe) for kind in sorted(kinds)]
        checked = build_spec([*self._rules, *extra], self._rule_files)
        result = analyze_files([module.source], checked)
        for finding in result.findings:
            lo, hi = finding.location.start_line, finding.location.end_line
            if lo <= claim.line <= max(hi, lo) and set(finding.cwe) & ({claim.cwe} | _cwes(extra)):
                origin = finding.flow[0].location.start_line if finding.flow else lo
                return Verdict(VERIFIED, f"the engine finds a flow from line {origin} into line {claim.line}")
        nodes = [node for _t, node in calls if node is not None]
        if nodes and all(_constant_call(node) for node in nodes):
            return Verdict(REFUTED, f"every argument of the call on line {claim.line} is a constant")
        return Verdict(UNVERIFIED, f"the engine finds no flow into line {claim.line}")

    def _base_spec(self) -> EngineSpec:
        if self._spec is None:
            self._spec = build_spec(self._rules, self._rule_files)
        return self._spec


def _sink_rule(kind: str, calls: Sequence[str], cwe: str) -> RuleInfo:
    from vulnhound.findings import Confidence, Severity

    return RuleInfo(
        id=f"{RULE_PREFIX}{kind}",
        name=f"claimed {kind} sink",
        cwe=(cwe,),
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        short_description="a model's cited sink, checked by the engine",
        full_description="",
        help_text="",
        analyzer="engine",
        data={"kind": kind, "sink": [{"calls": list(calls), "args": list(range(8))}]},
        origin="verification",
    )


def _cwes(rules: Sequence[RuleInfo]) -> set[str]:
    return {c for r in rules for c in r.cwe}


def _constant_call(node: ast.Call) -> bool:
    """Every argument is a literal (or there is none): no data can reach the call."""
    values: list[ast.expr] = [*node.args, *(k.value for k in node.keywords)]
    return all(_literal(v) for v in values)


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_literal(e) for e in node.elts)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    return False


def status_of(properties: Mapping[str, str]) -> str:
    return properties.get("verification", "")
