"""The fingerprint of a set of answers, and what it tells: a prefilled workbook (`generate --prefill`) carries the
digest of the answers it was sent with; reading it back, the same digest means it came back untouched
(`unchanged-return`).

Pure, and apart from rounds.py (which re-exports these names) so that reading a return, which asks
`unchanged_return`, imports neither the comparison, the migration nor the action plan they need.
"""

from __future__ import annotations

import hashlib
import json
from typing import Mapping

from baseline.assessment import AgencyReturn, Answer
from baseline.issues import Issue, make_issue


def answer_to_dict(answer: Answer) -> dict:
    """Every value of an answer as plain data (for the digest, the Removed sheet and JSON)."""
    return {
        "relevant": answer.relevant.value if answer.relevant else None,
        "meets": answer.meets.value if answer.meets else None,
        "evidence": answer.evidence,
        "action": answer.action,
        "owner": answer.owner,
        "deadline": answer.deadline.isoformat() if answer.deadline else (answer.deadline_text or None),
        "action_status": answer.action_status.value if answer.action_status else None,
        "risk": answer.risk.value if answer.risk else None,
        "completed_by": answer.completed_by,
    }


def answers_digest(answers: Mapping[str, Answer]) -> str:
    """A short fingerprint of a set of answers (every value, ignoring outer spaces): stamped into a prefilled
    workbook at `generate`, compared with the answers read back to tell an untouched return."""
    payload = {rec_id: {k: (v.strip() if isinstance(v, str) else v) for k, v in answer_to_dict(a).items()}
               for rec_id, a in sorted(answers.items())}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def unchanged_return(agency_return: AgencyReturn, prefill_digest: str) -> Issue | None:
    """`unchanged-return` (a warning) when a prefilled workbook came back with exactly the answers it was sent with."""
    if not prefill_digest or answers_digest(agency_return.answers) != prefill_digest:
        return None
    return make_issue(
        "unchanged-return",
        f"{agency_return.agency}'s workbook came back exactly as it was sent (last round's answers, unchanged). "
        f"If nothing has changed, that is fine; otherwise please review every row and update the answers.",
        file=agency_return.source or None,
    )
