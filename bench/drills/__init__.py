"""Fault drills under steady load: ``python -m bench.drills.run`` (see its docstring)."""
