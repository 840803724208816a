"""Public hearings and debates: a municipality publishes them, citizens comment, a report closes.

``desk.HearingDesk`` publishes a municipality's hearing and its report (``/v1/hearings``);
``comments.HearingComments`` is the intake's check of a ``public-hearing-comment`` request (the
hearing exists and takes comments now) and counts it, in the request's own transaction;
``public_view`` gives the rows of ``/v1/open/hearings``.
"""
