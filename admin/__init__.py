"""Staff tools behind `python -m admin` and the console: FAQ and mission-directory import,
checks and writes, the change log and history, retrain and rollback of a running stack."""
