"""``--hunt``: models read code units and report what the rules do not cover.

Answers are checked (a known CWE, a line inside the unit shown), findings of several
models are grouped (same file, overlapping lines, same CWE) and, under ``--consensus K``,
a group stands only when K models reported it; the others stay in the output suppressed
by consensus. :class:`MergeStage` then folds model findings into the engine's findings
that say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from vulnhound.analyzers.interface import AnalysisContext, AnalyzerOutput, StageOutput
from vulnhound.engine.spec import build_spec
from vulnhound.findings import (
    CodeContext,
    Confidence,
    Finding,
    Location,
    Severity,
    Suppression,
    SuppressionKind,
)
from vulnhound.guard.interface import CodeSpan
from vulnhound.hunt.units import CodeUnit, extract_units, grammar_available, supported_languages
from vulnhound.models.cwe import check_cwe, known_cwes
from vulnhound.models.interface import ModelReply, ModelRequest
from vulnhound.models.prompts import HUNT_SYSTEM, boundary_tag, fence, fence_lines, numbered
from vulnhound.models.ranking import rank_units
from vulnhound.models.router import Outcome, Refusal, messages
from vulnhound.models.schemas import HUNT_SCHEMA, HuntAnswer
from vulnhound.models.session import ModelRun, refusal_report
from vulnhound.models.verify import CONFIRMED, REFUTED, UNVERIFIED, VERIFIED, Claim, Verdict, Verifier
from vulnhound.models.views import model_views
from vulnhound.rules.catalog import RuleCatalog, RuleInfo
from vulnhound.sources import Skipped, SkipReason, SourceFile

NAME = "hunt"
RULE_PREFIX = "model/"


def hunt_request(
    unit: CodeUnit, risk: int | None = None, callees: Sequence[tuple[str, int, str]] = ()
) -> ModelRequest:
    """The unit, its file's imports, and the signatures (not bodies) of the project functions
    it calls, so the model can follow the data one call further."""
    blocks = []
    spans = [CodeSpan(unit.path, unit.start_line, unit.end_line)]
    if unit.imports:
        blocks.append(("imports of " + unit.path, "\n".join(numbered([t], n) for n, t in unit.imports)))
        spans.extend(CodeSpan(unit.path, n, n) for n, _ in unit.imports)
    blocks.append(
        (f"{unit.kind} {unit.name} in {unit.path} ({unit.language})", numbered(unit.lines, unit.start_line))
    )
    if callees:
        shown = "\n".join(f"{path}:{line}: {signature}" for path, line, signature in callees)
        blocks.append(("signatures of the project functions it calls (bodies not shown)", shown))
        spans.extend(CodeSpan(path, line, line) for path, line, _ in callees)
    tag = boundary_tag("\n".join(code for _, code in blocks))
    user = (
        f"Review this {unit.language} code for vulnerabilities. Report lines between "
        f"{unit.start_line} and {unit.end_line} only.\n\n{fence(blocks, tag)}"
    )
    return ModelRequest(
        messages=messages(HUNT_SYSTEM.format(tag=tag), user),
        schema=HUNT_SCHEMA,
        schema_name="hunt_findings",
        purpose=NAME,
        unit_id=unit.id,
        spans=tuple(spans),
        risk=unit.risk() if risk is None else risk,
        markers=fence_lines(tag),
    )


def _confidence(value: float) -> Confidence:
    return Confidence.HIGH if value >= 0.8 else Confidence.MEDIUM if value >= 0.5 else Confidence.LOW


def rule_for(cwe: str) -> RuleInfo:
    name = known_cwes().get(cwe, cwe)
    return RuleInfo(
        id=f"{RULE_PREFIX}{cwe}",
        name=f"Model: {name}",
        cwe=(cwe,),
        severity=Severity.MEDIUM,
        confidence=Confidence.LOW,
        short_description=f"{name} ({cwe}), reported by a language model.",
        full_description=f"A language model reviewing the code reported {name} ({cwe}). Model findings are leads: verify them.",
        help_text="Check the explanation in the finding and the code; fix or suppress with a justification.",
        analyzer=NAME,
        tags=("model",),
    )


@dataclass(frozen=True)
class _Item:
    model: str
    unit: CodeUnit
    cwe: str
    line: int
    severity: Severity
    confidence: float
    title: str
    explanation: str
    sink_call: str = ""
    source_line: int = 0


def validate(reply: ModelReply, unit: CodeUnit) -> tuple[list[_Item], list[str]]:
    """Items that name a known CWE and a line of the unit; a note for each one dropped."""
    items: list[_Item] = []
    dropped: list[str] = []
    for raw in reply.data.get("findings", []):
        cwe = check_cwe(str(raw.get("cwe", "")))
        line = int(raw.get("line", 0))
        if cwe is None:
            dropped.append(f"unknown CWE {str(raw.get('cwe'))[:20]!r}")
            continue
        if not unit.contains(line):
            dropped.append(f"line {line} outside {unit.path}:{unit.start_line}-{unit.end_line}")
            continue
        severity = Severity(raw.get("severity", "medium"))
        items.append(
            _Item(
                reply.model,
                unit,
                cwe,
                line,
                severity,
                float(raw.get("confidence", 0.5)),
                str(raw.get("title", "")),
                str(raw.get("explanation", "")),
                str(raw.get("sink_call", "") or ""),
                int(raw.get("source_line", 0) or 0),
            )
        )
    return items, dropped


def _cluster(items: list[_Item]) -> list[list[_Item]]:
    """Group items of all models: same file and CWE, lines within two of each other."""
    groups: list[list[_Item]] = []
    for item in sorted(items, key=lambda i: (i.unit.path, i.cwe, i.line)):
        for group in groups:
            head = group[0]
            if head.unit.path == item.unit.path and head.cwe == item.cwe and abs(head.line - item.line) <= 2:
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def agreement(models: Sequence[str], groups: list[list[_Item]], threshold: int) -> dict[str, object]:
    """How often each pair of models reported the same thing (diagonal: each model's total)."""
    index = {m: i for i, m in enumerate(models)}
    matrix = [[0] * len(models) for _ in models]
    for group in groups:
        present = sorted({index[i.model] for i in group if i.model in index})
        for a in present:
            for b in present:
                matrix[a][b] += 1
    return {"models": list(models), "matrix": matrix, "findings": len(groups), "threshold": threshold}


# A unit larger than this is not sent: a minified bundle or generated table is one "line" of
# hundreds of kilobytes (seen: a 330 kB editor.js ranked riskiest), costs a whole context
# window and exposes a whole file for nothing a model could review.
MAX_UNIT_BYTES = 16_000


def _within_budget(units: list[CodeUnit]) -> tuple[list[CodeUnit], list[Skipped]]:
    """The units small enough to send, and a skip for each file whose units were too large."""
    kept: list[CodeUnit] = []
    over: dict[str, int] = {}
    for unit in units:
        size = len(unit.text.encode("utf-8", "surrogatepass"))
        if size > MAX_UNIT_BYTES:
            over[unit.path] = max(over.get(unit.path, 0), size)
        else:
            kept.append(unit)
    skipped = [
        Skipped(
            path,
            SkipReason.TOO_LARGE,
            f"not hunted: a code unit of {size:,} bytes, over the {MAX_UNIT_BYTES:,}-byte limit for one "
            "request (minified or generated code?)",
            NAME,
        )
        for path, size in sorted(over.items())
    ]
    return kept, skipped


class HuntAnalyzer:
    """Sends every code unit to every selected model and keeps validated answers."""

    def __init__(self, run: ModelRun) -> None:
        self.run_ = run
        self._rules: dict[str, RuleInfo] = {}

    @property
    def name(self) -> str:
        return NAME

    def languages(self) -> frozenset[str]:
        return frozenset(lang for lang in supported_languages() if grammar_available(lang))

    def rules(self, catalog: RuleCatalog) -> Sequence[RuleInfo]:
        return [self._rules[k] for k in sorted(self._rules)]

    def analyze(self, files: Sequence[SourceFile], context: AnalysisContext) -> AnalyzerOutput:
        views = model_views(files, self.run_.router.door, NAME)
        every = [u for source in views for u in extract_units(source)]
        every, oversized = _within_budget(every)
        changed = context.changed
        outside = 0
        if changed is not None:  # a diff scan hunts only where the change is
            touched = [u for u in every if changed.touches(u.path, u.start_line, u.end_line)]
            outside, every = len(every) - len(touched), touched
        spec = build_spec(context.rules.for_analyzer("engine"), tuple(context.config.rule_files))
        contexts = context.config.contexts
        ranked = rank_units(
            every, files, spec, lambda path: contexts.classify(path) is CodeContext.PRODUCTION
        )
        top = self.run_.hunt_top
        chosen = ranked[:top] if top else ranked
        cut = ranked[len(chosen) :]
        units = [r.unit for r in chosen]
        models = self.run_.names
        door = self.run_.router.door
        zones = {self.run_.config(m).zone for m in models}

        def visible(path: str) -> bool:  # a callee's signature only where every model may see it
            return all(zone is None or door.permits(path, zone) for zone in zones)

        jobs = []
        for entry in chosen:
            callees = [c for c in entry.callees if visible(c[0])]
            request = hunt_request(entry.unit, entry.risk, callees)
            for model in models:
                jobs.append((request.risk, _asker(self.run_, model, request)))
        outcomes = self.run_.router.map(jobs)
        context.progress(len(files))
        items: list[_Item] = []
        dropped: dict[str, int] = {}
        refused: list[tuple[str, str, Refusal, str]] = []
        position = 0
        for unit in units:
            for model in models:
                outcome = outcomes[position]
                position += 1
                if isinstance(outcome, ModelReply):
                    kept, bad = validate(outcome, unit)
                    items.extend(kept)
                    if bad:
                        dropped[model] = dropped.get(model, 0) + len(bad)
                else:
                    refused.append(
                        (
                            model,
                            unit.path,
                            outcome,
                            f"unit {unit.name} (lines {unit.start_line}-{unit.end_line})",
                        )
                    )
        groups = _cluster(items)
        verifier = Verifier(files, context.rules.for_analyzer("engine"), context.config.rule_files, spec)
        findings = [self._finding(g, _verdict(verifier, g)) for g in groups]
        skipped, notes = refusal_report(NAME, refused)
        skipped += oversized
        if cut:
            per_file: dict[str, int] = {}
            for entry in cut:
                per_file[entry.unit.path] = per_file.get(entry.unit.path, 0) + 1
            skipped += [
                Skipped(
                    path, SkipReason.BUDGET, f"{n} unit(s) ranked below --hunt-top {top}, not hunted", NAME
                )
                for path, n in sorted(per_file.items())
            ]
            notes.append(f"hunt: {len(chosen)} riskiest of {len(ranked)} units hunted (--hunt-top {top})")
        if outside:
            notes.append(f"hunt: {outside} unit(s) the change does not touch were not hunted (diff scan)")
        notes += [
            f"hunt: dropped {n} invalid item(s) from model {m} (unknown CWE or line outside the unit)"
            for m, n in dropped.items()
        ]
        extras: list[tuple[str, object]] = []
        if len(models) > 1:
            extras.append(("agreement", agreement(models, groups, self.run_.consensus)))
        return AnalyzerOutput(tuple(findings), tuple(skipped), tuple(notes), (), tuple(extras))

    def _finding(self, group: list[_Item], verdict: Verdict) -> Finding:
        models = tuple(dict.fromkeys(i.model for i in group))
        best = max(group, key=lambda i: (i.severity.rank, i.confidence))
        rule = self._rules.setdefault(best.cwe, rule_for(best.cwe))
        lines = [i.line for i in group]
        explanation = best.explanation or best.title
        message = f"{best.title or rule.name}: {explanation} (reported by model {', '.join(models)})"
        suppression = None
        threshold = self.run_.consensus
        confidence = _confidence(max(i.confidence for i in group))
        status: str = verdict.status
        if verdict.status == REFUTED:
            suppression = Suppression(SuppressionKind.REFUTED, verdict.reason)
        elif len(models) < threshold:
            suppression = Suppression(
                SuppressionKind.CONSENSUS,
                f"{len(models)} of {len(self.run_.names)} models reported this ({', '.join(models)}); --consensus {threshold}",
            )
        elif verdict.status == UNVERIFIED:
            confidence = Confidence.LOW
            origins = {self.run_.config(m).origin or m for m in models}
            if threshold >= 2 and len(origins) >= threshold:
                status = CONFIRMED  # K models of different origin: counts like a verified one
        return Finding(
            rule_id=rule.id,
            cwe=(best.cwe,),
            severity=best.severity,
            confidence=confidence,
            message=message,
            location=Location(best.unit.path, min(lines), 1, max(lines)),
            analyzers=tuple(f"model:{m}" for m in models),
            context=best.unit.name,
            suppression=suppression,
            properties=(
                ("models", ",".join(models)),
                ("explanation", explanation),
                ("verification", status),
                ("verification_reason", verdict.reason),
            ),
        )


def _verdict(verifier: Verifier, group: list[_Item]) -> Verdict:
    """The best verdict any model's claim in the group earns (verified over unverified over
    refuted): models may cite the call differently, one citation that holds is enough."""
    order = {VERIFIED: 0, UNVERIFIED: 1, REFUTED: 2}
    verdicts = [verifier.check(Claim(i.unit.path, i.cwe, i.line, i.sink_call, i.source_line)) for i in group]
    return min(verdicts, key=lambda v: order[v.status])


def _asker(run: ModelRun, model: str, request: ModelRequest) -> Callable[[], Outcome]:
    return lambda: run.router.ask(model, request, HuntAnswer)


def _overlaps(a: Location, b: Location) -> bool:
    return a.path == b.path and a.start_line <= b.end_line + 1 and b.start_line <= a.end_line + 1


class MergeStage:
    """One finding per weakness: a model finding that repeats an engine finding (same file,
    overlapping lines, a shared CWE) is folded into it, adding the model to its analyzers."""

    @property
    def name(self) -> str:
        return "hunt-merge"

    def run(
        self, findings: Sequence[Finding], files: Sequence[SourceFile], context: AnalysisContext
    ) -> StageOutput:
        engine = [f for f in findings if not f.rule_id.startswith(RULE_PREFIX)]
        out = list(engine)
        for model_finding in (f for f in findings if f.rule_id.startswith(RULE_PREFIX)):
            for i, existing in enumerate(out):
                if _overlaps(existing.location, model_finding.location) and set(existing.cwe) & set(
                    model_finding.cwe
                ):
                    names = tuple(dict.fromkeys((*existing.analyzers, *model_finding.analyzers)))
                    out[i] = replace(existing, analyzers=names)
                    break
            else:
                out.append(model_finding)
        return StageOutput(tuple(out))
