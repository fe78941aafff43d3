"""One module per route: each handler turns its parsed event into one use case's run.

A handler builds the repository client from the ``Context``, imports its use case only
when called (so the registry in ``routes`` stays light), runs it in a log group and
returns a ``Report``. Handlers never exit and never print: the edge does both.
"""
