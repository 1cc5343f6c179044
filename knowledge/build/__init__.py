"""Building an index: reading, cleaning and chunking the content, embedding it, tuning the
ranking for a new corpus, and the embedding model's conversion. The runtime never imports this."""
