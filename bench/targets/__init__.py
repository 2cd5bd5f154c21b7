"""Code that runs inside the measured processes, not in the harness.

The arq workers and the minimal API run from the generated project's own
virtual environment (so they use the same arq, redis-py and uvicorn as the
template's processes) with ``bench/`` on ``PYTHONPATH``; only
`targets.streaq_worker` runs from the benchmark's environment. Nothing here
imports the harness.
"""
