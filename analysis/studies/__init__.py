"""The analyses of particular study designs, beside the general analyzers: the negotiation game's moves and
scores (``negotiation``), which participants each team "we" includes (``teams``), the identity probe
(``identity_probe``) and the identity sweep of "The Artificial Self" (``identity_sweep``)."""
