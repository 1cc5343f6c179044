"""Duta's own Rasa NLU components, named in config.yml. Rasa imports them (they run in .venv-rasa,
with the project folder on sys.path), the actions never do.

Rasa's training cache keys a component on its name, config and data, not on its code: after
changing code here, train with `rasa train --force` (make and `python -m admin retrain` notice the
change, but Rasa would reuse the cached component)."""
