"""The benchmark harness of the template (issues 5 and 6).

``python -m harness`` (through ``bench/run``) renders the template, installs
the generated project, starts a private ``redis-server`` and runs scenarios
S1-S6 against the project's worker and API and against raw arq, a minimal
FastAPI endpoint and streaQ, and S7 with several of the project's worker
processes on one queue. See `harness.__main__` for the command line. It
starts processes and finds interpreters with the template tests' helpers
(`tests.support`), which ``bench/run`` puts on the path.
"""
