"""Code that runs in the measured processes; none of it imports the harness.

The arq workers, the arq client and the APIs run from the generated
project's own environment with ``bench/`` on ``PYTHONPATH``; the streaQ
worker and its client from the benchmark's.
"""
