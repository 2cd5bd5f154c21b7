"""Tests of the cookiecutter template: render it, install it, run it."""
