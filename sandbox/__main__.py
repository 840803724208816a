"""`python -m sandbox` starts the three registry simulators (see sandbox.launcher)."""

from sandbox.launcher import main

if __name__ == "__main__":
    raise SystemExit(main())
