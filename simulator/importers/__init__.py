"""Readers that turn other transcript formats into ingroup transcripts."""
