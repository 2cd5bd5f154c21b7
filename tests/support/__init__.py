"""Helpers of the template's tests."""
