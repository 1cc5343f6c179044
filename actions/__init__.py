"""Duta's custom Rasa actions, served by rasa-sdk (`python -m actions`).

Modules: `knowledge_base` (the index, loaded once per process), `language` (which language a
turn is in), `slot_mappings` (fills the `language` slot every turn), `answer` (answers from
the knowledge layer), `server` (the Sanic app with `/index/status`).
"""
