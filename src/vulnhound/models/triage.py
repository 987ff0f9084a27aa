"""``--triage``: models judge each deterministic finding; false positives are suppressed.

Every selected model votes. A finding is dismissed (kept in the output, suppressed by
triage, with the rationale) only when enough models say false positive (the
``--consensus`` threshold, else a majority), at least one of them may dismiss
(``can_dismiss``; small local models may not), its severity is at most
``triage_dismiss_max`` (critical findings are only annotated by default), and no file its
context comes from holds text aimed at a reviewer (checked on the original text, after
normalisation, whatever the ``ai-directives`` analyzer reported or a suppression hid).

Models see the code as :func:`~vulnhound.models.views.model_views` gives it: secrets
redacted, comments and docstrings removed unless the policy keeps them. Context beyond the
finding's own unit that the policy keeps from a model's zone is left out of that model's
request (and said so), instead of blocking the whole request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from vulnhound.analyzers.interface import AnalysisContext, StageOutput
from vulnhound.findings import Finding, Severity, Suppression, SuppressionKind, Triage, Verdict
from vulnhound.guard.interface import EgressDoor
from vulnhound.models.context import Block, ContextBuilder
from vulnhound.models.directives import aimed_at_reviewer
from vulnhound.models.interface import ModelReply, ModelRequest
from vulnhound.models.prompts import TRIAGE_SYSTEM, boundary_tag, fence, fence_lines
from vulnhound.models.router import Outcome, Refusal, messages
from vulnhound.models.schemas import TRIAGE_SCHEMA, TriageAnswer
from vulnhound.models.session import ModelRun, refusal_report
from vulnhound.models.views import model_views
from vulnhound.sources import SourceFile

if TYPE_CHECKING:
    from vulnhound.models.calibration import DismissalGate

NAME = "triage"


def triage_request(
    finding: Finding, blocks: Sequence[Block], withheld: int = 0, hidden: frozenset[str] = frozenset()
) -> ModelRequest:
    """The request for one finding; ``hidden`` files (the policy keeps them from the model)
    appear neither as code nor as taint steps, ``withheld`` counts their blocks."""
    tag = boundary_tag("\n".join(b.code for b in blocks))
    code = fence([(b.label, b.code) for b in blocks], tag)
    path = "\n".join(
        f"  {i + 1}. (a step in code withheld by the data policy)"
        if s.location.path in hidden
        else f"  {i + 1}. {s.location.path}:{s.location.start_line} {s.note}"
        for i, s in enumerate(finding.flow)
    )
    loc = finding.location
    user = (
        f"Finding: {finding.rule_id} ({', '.join(finding.cwe)}), severity {finding.severity.value}\n"
        f"Message: {finding.message}\n"
        f"Location: {loc.path}:{loc.start_line}\n"
        + (f"Taint path (source first):\n{path}\n" if path else "")
        + (
            f"({withheld} more block(s) of code on the taint path are withheld by the data policy.)\n"
            if withheld
            else ""
        )
        + f"\nCode:\n{code}\n\nIs this finding a true positive?"
    )
    return ModelRequest(
        messages=messages(TRIAGE_SYSTEM.format(tag=tag), user),
        schema=TRIAGE_SCHEMA,
        schema_name="triage_verdict",
        purpose=NAME,
        unit_id=f"{loc.path}:{loc.start_line}:{finding.rule_id}",
        spans=tuple(b.span for b in blocks),
        risk=finding.severity.rank * 10 + finding.confidence.rank,
        markers=fence_lines(tag),
    )


class TriageStage:
    """A pipeline stage that attaches verdicts and suppresses dismissed findings."""

    def __init__(self, run: ModelRun, gate: DismissalGate | None = None) -> None:
        self.run_ = run
        self.gate = gate  # None: no calibration needed (only `models calibrate` itself)
        self.votes: list[tuple[Finding, str, Verdict]] = []  # every model's raw verdict

    @property
    def name(self) -> str:
        return NAME

    def run(
        self, findings: Sequence[Finding], files: Sequence[SourceFile], context: AnalysisContext
    ) -> StageOutput:
        door = self.run_.router.door
        builder = ContextBuilder(model_views(files, door, NAME))
        aimed = _AimedAtReviewer({f.path: f.text for f in files})
        targets = [i for i, f in enumerate(findings) if not f.suppressed and not _model_only(f)]
        # One request per finding and set of blocks a model's zone may see.
        requests: dict[tuple[int, str], ModelRequest] = {}
        directives: dict[int, str | None] = {}
        for index in targets:
            finding = findings[index]
            blocks = builder.for_finding(finding)
            directives[index] = aimed.first({b.path for b in blocks} | {finding.location.path})
            paths = sorted({b.path for b in blocks} | {s.location.path for s in finding.flow})
            built: dict[frozenset[str], ModelRequest] = {}
            for model in self.run_.names:
                hidden = _hidden(paths, finding.location.path, door, self.run_.config(model).zone)
                if hidden not in built:
                    allowed = [b for b in blocks if b.path not in hidden]
                    built[hidden] = triage_request(finding, allowed, len(blocks) - len(allowed), hidden)
                requests[(index, model)] = built[hidden]
        jobs = []
        for index in targets:
            for model in self.run_.names:
                request = requests[(index, model)]
                jobs.append((request.risk, _asker(self.run_, model, request)))
        outcomes = self.run_.router.map(jobs)
        out = list(findings)
        refused: list[tuple[str, str, Refusal, str]] = []
        position = 0
        ceiling = context.config.triage_dismiss_max
        for index in targets:
            votes: list[ModelReply] = []
            finding = findings[index]
            for model in self.run_.names:
                outcome = outcomes[position]
                position += 1
                if isinstance(outcome, ModelReply):
                    votes.append(outcome)
                    self.votes.append((finding, outcome.model, Verdict(outcome.data["verdict"])))
                else:
                    what = f"finding {finding.rule_id} at line {finding.location.start_line}"
                    refused.append((model, finding.location.path, outcome, what))
            if votes:
                out[index] = self._decide(finding, votes, directives[index], ceiling)
        skipped, notes = refusal_report(NAME, refused)
        return StageOutput(tuple(out), tuple(skipped), tuple(notes))

    def _decide(
        self, finding: Finding, votes: list[ModelReply], directive: str | None, ceiling: Severity
    ) -> Finding:
        by_verdict: dict[Verdict, list[ModelReply]] = {}
        for vote in votes:
            by_verdict.setdefault(Verdict(vote.data["verdict"]), []).append(vote)
        fp = by_verdict.get(Verdict.FALSE_POSITIVE, [])
        tp = by_verdict.get(Verdict.TRUE_POSITIVE, [])
        threshold = self.run_.consensus if self.run_.consensus > 1 else len(votes) // 2 + 1
        refusals = [self._refusal(v.model) for v in fp]
        may_dismiss = any(r is None for r in refusals)
        if fp and len(fp) >= threshold and len(fp) > len(tp):
            if directive is not None:
                return replace(
                    finding,
                    triage=_triage(
                        Verdict.UNCERTAIN,
                        fp,
                        f"not dismissed: the files of its context hold text addressed to AI reviewers ({directive[:80]!r}). Model said: ",
                    ),
                )
            if finding.severity.rank > ceiling.rank:
                return replace(
                    finding,
                    triage=_triage(
                        Verdict.UNCERTAIN,
                        fp,
                        f"not dismissed: a {finding.severity.value} finding is closed by a person, not a model "
                        f"(triage_dismiss_max = {ceiling.value}). Model said: ",
                    ),
                )
            if not may_dismiss:
                why = "; ".join(dict.fromkeys(r for r in refusals if r))
                return replace(
                    finding,
                    triage=_triage(Verdict.UNCERTAIN, fp, f"not dismissed: {why}. Model said: "),
                )
            triage = _triage(Verdict.FALSE_POSITIVE, fp, "")
            return replace(
                finding, triage=triage, suppression=Suppression(SuppressionKind.TRIAGE, triage.rationale)
            )
        if tp and len(tp) >= len(fp):
            return replace(finding, triage=_triage(Verdict.TRUE_POSITIVE, tp, ""))
        return replace(finding, triage=_triage(Verdict.UNCERTAIN, votes, ""))

    def _refusal(self, model: str) -> str | None:
        """Why this model's false-positive verdict may not dismiss, or None."""
        config = self.run_.config(model)
        if not config.can_dismiss:
            return f"model {model} may not dismiss alone (can_dismiss = false)"
        return self.gate.refusal(config) if self.gate is not None else None


def _triage(verdict: Verdict, voters: list[ModelReply], prefix: str) -> Triage:
    rationale = (
        " | ".join(f"{v.model}: {v.data['rationale']}" for v in voters)
        if len(voters) > 1
        else str(voters[0].data["rationale"])
    )
    confidence = sum(float(v.data["confidence"]) for v in voters) / len(voters)
    return Triage(verdict, prefix + rationale, round(confidence, 3), tuple(v.model for v in voters))


def _asker(run: ModelRun, model: str, request: ModelRequest) -> Callable[[], Outcome]:
    return lambda: run.router.ask(model, request, TriageAnswer)


def _hidden(paths: Sequence[str], own: str, door: EgressDoor, zone: str | None) -> frozenset[str]:
    """Files of a finding's context that the policy keeps from ``zone``.

    The finding's own file is never hidden: it is what is judged, and if the policy keeps it
    from the zone, the guard blocks the whole request and records that. Context beyond it is
    left out per model instead, so the rest can still be judged.
    """
    if zone is None:
        return frozenset()
    return frozenset(p for p in paths if p != own and not door.permits(p, zone))


class _AimedAtReviewer:
    """Text aimed at a reviewer in the original files, each file checked once."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self._found: dict[str, str | None] = {}

    def first(self, paths: set[str]) -> str | None:
        for path in sorted(paths):
            if path not in self._found:
                text = self._texts.get(path)
                self._found[path] = aimed_at_reviewer(text) if text is not None else None
            if self._found[path] is not None:
                return self._found[path]
        return None


def _model_only(finding: Finding) -> bool:
    """Findings only models reported are not sent back to models to judge."""
    return all(a.startswith("model:") for a in finding.analyzers)
