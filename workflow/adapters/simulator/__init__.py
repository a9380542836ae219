"""The platform simulator: a real HTTP(S) server that plays the tiers de télétransmission and
the préfecture, so everything runs and is tested on one machine with no internet.

``state`` keeps its world in its own SQLite file; ``app`` is the ASGI application (S²LOW's
endpoints, plus a small control API); ``server`` runs it with uvicorn, over mutual TLS or
plain local HTTP.
"""
