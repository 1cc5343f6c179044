"""Duta's own Rasa NLU components, named in config.yml. Rasa imports them (they run in .venv-rasa,
with the project folder on sys.path), the actions never do."""
