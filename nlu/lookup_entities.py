"""Entities from every lookup table and regex of the training data (training_data/visa_terms.yml,
visa_questions.yml, event_terms.yml, emergency_terms.yml), which the actions read.

Rasa's RegexEntityExtractor uses a table only when some training example annotates its entity
(`use_only_entities=True` in its `train`). An annotated example also trains DIETClassifier to tag
that entity: measured with a few annotations, the intent classifier moved and the dev
conversations lost 3 of 64 (docs/benchmarks.md). This extractor is Rasa's, reading every table
and regex instead, so no example needs an annotation and DIET trains on exactly what it did.
RegexFeaturizer ignores the tables too (config.yml): the intent classifier's input is unchanged.
"""

from __future__ import annotations

import rasa.nlu.utils.pattern_utils as pattern_utils
import rasa.shared.utils.io
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LookupEntityExtractor(RegexEntityExtractor):
    """RegexEntityExtractor over all lookup tables and regexes, annotated or not. Each match is an
    entity named after its table, with the matched text as its value (case_sensitive,
    use_word_boundaries and the rest as in RegexEntityExtractor)."""

    def train(self, training_data: TrainingData) -> Resource:
        self.patterns = pattern_utils.extract_patterns(
            training_data,
            use_lookup_tables=self._config["use_lookup_tables"],
            use_regexes=self._config["use_regexes"],
            use_only_entities=False,
            use_word_boundaries=self._config["use_word_boundaries"],
        )
        if not self.patterns:
            rasa.shared.utils.io.raise_warning(
                "No lookup tables or regexes in the training data: LookupEntityExtractor "
                "extracts nothing."
            )
        self.persist()
        return self._resource
