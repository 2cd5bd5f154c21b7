"""The generated project's API, with candidate changes applied from outside.

Run as ``uvicorn targets.template_api:app`` from the project's environment
with ``BENCH_MODULE`` naming its package. It serves the project's own
``<module>.main:app``; ``BENCH_ASYNC_DEPENDENCIES=1`` replaces each of the
project's plain ``def`` dependencies by an ``async def`` that calls it.
FastAPI runs a plain ``def`` dependency in its thread pool, one hand-off per
request; these do no blocking work, so the event loop can run them.
"""

import functools
import importlib
import inspect
import os
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

__all__ = ["app"]

_module = os.environ["BENCH_MODULE"]
app: FastAPI = importlib.import_module(f"{_module}.main").app
"""The project's application."""


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, inside included routers too.

    Recent FastAPI keeps an included router as one entry that points at the
    original router.
    """
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)
        elif (children := getattr(route, "routes", None)) is not None:
            yield from _api_routes(children)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependants(sub)


def _as_async(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)  # FastAPI reads the signature through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    return run


def make_dependencies_async(application: FastAPI, package: str) -> list[str]:
    """Override the package's plain-function dependencies with async ones.

    Returns
    -------
    list of str
        Names of the dependencies overridden.
    """
    done: list[str] = []
    for route in _api_routes(application.routes):
        for dependant in _dependants(route.dependant):
            call = dependant.call
            if (
                inspect.isfunction(call)
                and not inspect.iscoroutinefunction(call)
                and call.__module__.startswith(package)
                and call not in application.dependency_overrides
            ):
                application.dependency_overrides[call] = _as_async(call)
                done.append(f"{call.__module__}.{call.__qualname__}")
    return done


if os.environ.get("BENCH_ASYNC_DEPENDENCIES") == "1":
    make_dependencies_async(app, _module)
