"""What the tests share besides fixtures: plain modules, never test modules (fixtures live in conftest.py).

- ``wordpress``: the real local WordPress as the tests drive it (``LocalWordPress``, accounts).
- ``sync``: a pass of our pipeline against it, and the posts read back; the stand-in's source drafts.
- ``daemon``: the daemon's config, environment and process as the integration tests run it.
- ``standin``: gateways pointed at the OFFLINE Mistral stand-in.
- ``hostile``, ``outage``: a hostile HTTP server; a TCP forwarder that can be cut.
- ``corpus`` (210 published posts), ``drafts`` (real drafts), ``gutenberg`` (one block draft), ``judge`` (yoastseo).
"""
