"""Duta's gateway: HTTP API (/api/chat, /health), static widget files, Rasa client."""
