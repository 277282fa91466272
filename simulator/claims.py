"""Where the analysis installs its identity-claim detector for the conditional interviewer.

Recognising a claim is the analysis's job (``analysis.labels.identity``); simulator never imports analysis,
so the detector is registered here (``ingroup`` does it when the app is assembled). Kept apart from
``simulator.interview`` so assembling the app loads no scenario model.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .errors import ProviderError

ClaimDetector = Callable[[str, Sequence[str]], list[str]]
"""(reply text, the speaker's declared identity: official name, creator, model ids) -> the identities it
claims other than its own, in the order written."""

_DETECTOR: list[ClaimDetector] = []


def register_claim_detector(detector: ClaimDetector) -> None:
    """Install the identity-claim detector the conditional interviewer uses (the analysis layer provides it)."""
    _DETECTOR[:] = [detector]


def claim_detector() -> ClaimDetector:
    """The installed identity-claim detector; a clear error when none was installed."""
    if not _DETECTOR:
        raise ProviderError("a scripted line with 'when: claimed_other' needs an identity-claim detector: run "
                            "through the ingroup command, or call analysis.studies.identity_sweep.install() first")
    return _DETECTOR[0]
