"""Staff tools behind `python -m admin` and the console: FAQ and mission-directory import,
checks and writes, the change log and history, retrain and rollback of a running stack.
`admin.console` is the staff console's back end, which the gateway mounts under /admin/."""
