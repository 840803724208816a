"""Legality review of municipal acts: what a municipality submits, and what the ministry decides.

``desk.ActDesk`` takes a municipality's act (``/v1/acts``) and commits it with its hand-off to
the ministry in one transaction; the relay publishes it to the ministry's queue;
``consumer.ActReviewConsumer`` checks and records the ministry's decisions; ``public_view``
turns every act, its review state and its dates into the rows of ``/v1/open/acts``.
"""
