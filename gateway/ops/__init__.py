"""What the operator on duty uses: the live routing log, dead letters, log reading.

The HTTP side of it is in ``gateway/api/ops.py`` (operations API), ``gateway/api/metrics.py``
(``/metrics``) and ``gateway/api/dashboard.py`` (the ``/ops`` page, whose files are in
``static/`` beside this module).
"""
