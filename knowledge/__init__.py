"""Duta knowledge layer: embedding model, language detection and knowledge-base search."""
