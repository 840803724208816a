"""Benchmarks and fault drills; run as modules from the repository root (see README)."""
