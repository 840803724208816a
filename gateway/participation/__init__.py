"""Citizens' participation: questions to the assembly and the mayor, petitions, their feeds.

``questions`` records a citizen's question (the intake's hook for ``assembly-question``) and
the municipality's answer (``/v1/questions``); ``petitions`` opens and signs petitions (the
hooks of ``citizens-petition`` and ``petition-signature``) and follows the municipality's
status; ``public_view`` gives the rows of ``/v1/open/questions``,
``/v1/open/question-statistics`` and ``/v1/open/petitions``; ``channel`` builds the feature.
See docs/participation.md.
"""
