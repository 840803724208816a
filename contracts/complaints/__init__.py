"""The complaints channel's shared data: categories, institutions, coarse boundaries.

``catalogue`` loads and checks the categories and the bodies that answer them;
``boundaries`` places a point in one of the 38 municipalities. Both are read once, at
start-up, by the gateway's composition root.
"""
