"""A candidate's history: every event about them, in recording order, as plain values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.facts import Fact


def history(facts: Iterable[Fact]) -> list[dict[str, Any]]:
    """Every fact in recording order: log position when known, else place in its stream."""
    ordered = sorted(facts, key=lambda f: (f.position or 0, f.version))
    return [
        {
            "id": f.id,
            "type": f.type,
            "effective_on": f.effective_on,
            "recorded_at": f.recorded_at,
            "recorded_by": f.recorded_by,
            "data": dict(f.data),
        }
        for f in ordered
    ]
