"""Tests of worker.functions."""
