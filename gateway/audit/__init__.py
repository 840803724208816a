"""The audit log: who read a person's data and why, and proof that the record is complete.

``chain`` (the canonical form and hash of an entry), ``lookup`` (the keyed hash that finds a
person's records), ``reads`` (the data-usage records of one request), ``trail`` (the writer),
``checkpoints`` (signed heads and their worker), ``verify`` (the walk ``audit verify`` runs),
``channel`` (the feature bootstrap adds). The model is told in ``docs/data-protection.md``.
"""
