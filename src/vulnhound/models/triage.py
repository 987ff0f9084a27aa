"""``--triage``: models judge each deterministic finding; false positives are suppressed.

Every selected model votes. A finding is dismissed (kept in the output, suppressed by
triage, with the rationale) only when enough models say false positive (the
``--consensus`` threshold, else a majority), at least one of them may dismiss
(``can_dismiss``; small local models may not), and its context holds no text addressed
to AI reviewers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from vulnhound.analyzers.interface import AnalysisContext, StageOutput
from vulnhound.findings import Finding, Suppression, SuppressionKind, Triage, Verdict
from vulnhound.models.context import Block, ContextBuilder
from vulnhound.models.directives import find_directive
from vulnhound.models.interface import ModelReply, ModelRequest
from vulnhound.models.prompts import TRIAGE_SYSTEM, boundary_tag, fence
from vulnhound.models.router import Outcome, Refusal, messages
from vulnhound.models.schemas import TRIAGE_SCHEMA, TriageAnswer
from vulnhound.models.session import ModelRun, refusal_report
from vulnhound.sources import SourceFile

NAME = "triage"


def triage_request(finding: Finding, blocks: Sequence[Block]) -> ModelRequest:
    tag = boundary_tag("\n".join(b.code for b in blocks))
    code = fence([(b.label, b.code) for b in blocks], tag)
    path = "\n".join(
        f"  {i + 1}. {s.location.path}:{s.location.start_line} {s.note}" for i, s in enumerate(finding.flow)
    )
    loc = finding.location
    user = (
        f"Finding: {finding.rule_id} ({', '.join(finding.cwe)}), severity {finding.severity.value}\n"
        f"Message: {finding.message}\n"
        f"Location: {loc.path}:{loc.start_line}\n"
        + (f"Taint path (source first):\n{path}\n" if path else "")
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
    )


class TriageStage:
    """A pipeline stage that attaches verdicts and suppresses dismissed findings."""

    def __init__(self, run: ModelRun) -> None:
        self.run_ = run

    @property
    def name(self) -> str:
        return NAME

    def run(
        self, findings: Sequence[Finding], files: Sequence[SourceFile], context: AnalysisContext
    ) -> StageOutput:
        builder = ContextBuilder(files)
        targets = [i for i, f in enumerate(findings) if not f.suppressed and not _model_only(f)]
        prepared: dict[int, tuple[ModelRequest, str | None]] = {}
        for index in targets:
            blocks = builder.for_finding(findings[index])
            directive = find_directive("\n".join(b.code for b in blocks))
            prepared[index] = (triage_request(findings[index], blocks), directive)
        jobs = []
        for index in targets:
            request = prepared[index][0]
            for model in self.run_.names:
                jobs.append((request.risk, _asker(self.run_, model, request)))
        outcomes = self.run_.router.map(jobs)
        out = list(findings)
        refused: list[tuple[str, str, Refusal, str]] = []
        position = 0
        for index in targets:
            votes: list[ModelReply] = []
            finding = findings[index]
            for model in self.run_.names:
                outcome = outcomes[position]
                position += 1
                if isinstance(outcome, ModelReply):
                    votes.append(outcome)
                else:
                    what = f"finding {finding.rule_id} at line {finding.location.start_line}"
                    refused.append((model, finding.location.path, outcome, what))
            if votes:
                out[index] = self._decide(finding, votes, prepared[index][1])
        skipped, notes = refusal_report(NAME, refused)
        return StageOutput(tuple(out), tuple(skipped), tuple(notes))

    def _decide(self, finding: Finding, votes: list[ModelReply], directive: str | None) -> Finding:
        by_verdict: dict[Verdict, list[ModelReply]] = {}
        for vote in votes:
            by_verdict.setdefault(Verdict(vote.data["verdict"]), []).append(vote)
        fp = by_verdict.get(Verdict.FALSE_POSITIVE, [])
        tp = by_verdict.get(Verdict.TRUE_POSITIVE, [])
        threshold = self.run_.consensus if self.run_.consensus > 1 else len(votes) // 2 + 1
        may_dismiss = any(self.run_.config(v.model).can_dismiss for v in fp)
        if fp and len(fp) >= threshold and len(fp) > len(tp):
            if directive is not None:
                return replace(
                    finding,
                    triage=_triage(
                        Verdict.UNCERTAIN,
                        fp,
                        f"not dismissed: the code shown contains text addressed to AI reviewers ({directive[:80]!r}). Model said: ",
                    ),
                )
            if not may_dismiss:
                return replace(
                    finding,
                    triage=_triage(
                        Verdict.UNCERTAIN,
                        fp,
                        "not dismissed: only models that may not dismiss alone said false positive. Model said: ",
                    ),
                )
            triage = _triage(Verdict.FALSE_POSITIVE, fp, "")
            return replace(
                finding, triage=triage, suppression=Suppression(SuppressionKind.TRIAGE, triage.rationale)
            )
        if tp and len(tp) >= len(fp):
            return replace(finding, triage=_triage(Verdict.TRUE_POSITIVE, tp, ""))
        return replace(finding, triage=_triage(Verdict.UNCERTAIN, votes, ""))


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


def _model_only(finding: Finding) -> bool:
    """Findings only models reported are not sent back to models to judge."""
    return all(a.startswith("model:") for a in finding.analyzers)
