"""The benchmark harness of the template (issue 5).

``python -m harness`` (through ``bench/run``) renders the template, installs
the generated project, starts a private ``redis-server`` and runs scenarios
S1-S6 against the project's worker and API and against raw arq, a minimal
FastAPI endpoint and streaQ. See `harness.__main__` for the command line.
"""
