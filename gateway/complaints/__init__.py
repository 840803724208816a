"""Complaints: citizens' reports of municipal problems, taken in over Open311 GeoReport v2.

``screening`` checks a submission, ``placement`` finds its municipality, ``desk`` routes and
stores it, ``consumer`` takes the institutions' answers. Importing any part of the channel
registers its problem codes (``refusals``) first.
"""

from gateway.complaints import refusals as refusals
