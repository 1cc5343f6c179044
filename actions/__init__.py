"""Duta's custom Rasa actions, served by rasa-sdk (`python -m actions`).

- `slot_mappings`, `language`: the `language` slot, set on every user turn.
- `answer`: answers from the knowledge layer (`knowledge_base` holds the loaded index).
- `visa`: the visa form (typed answers are read by the NLU: training_data/visa_terms.yml).
- `events`: events by name, year, or what is next (from content/events.yml via `content`).
- `nlu_words`: the entities the NLU's LookupEntityExtractor found (training_data/*_terms.yml,
  visa_questions.yml), which `visa` and `events` read.
- `fallback`: a bilingual replacement for Rasa's action_default_fallback.
- `texts`, `meta`: bilingual texts said by actions; the `custom.duta` message.
- `server`, `__main__`: the Sanic app with GET /index/status.
"""
