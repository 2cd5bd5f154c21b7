"""The benchmark harness: ``bench/run`` runs ``python -m harness``."""
