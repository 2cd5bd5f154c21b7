"""The generated project's API, with candidate changes applied from outside.

Run as ``uvicorn targets.template_api:app`` from the project's environment
with ``BENCH_MODULE`` naming its package. It serves the project's own
``<module>.main:app``. With ``BENCH_ASYNC_DEPENDENCIES=1``, each plain
``def`` dependency that the project's ``dependencies`` module declares in an
``Annotated[..., Depends(...)]`` alias is swapped for an ``async def`` that
calls it, before the routes are built, as if the project had written it so.
FastAPI runs a plain ``def`` dependency in its thread pool, one hand-off per
request; these do no blocking work, so the event loop can run them.
"""

import functools
import importlib
import inspect
import os
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.params import Depends

__all__ = ["app", "make_dependencies_async"]


def _as_async(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)  # FastAPI reads the signature through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    return run


def make_dependencies_async(module: ModuleType, package: str) -> list[str]:
    """Make the plain-function dependencies of a module's aliases async.

    Parameters
    ----------
    module
        Module whose ``Annotated`` aliases (``type X = Annotated[...]``)
        declare dependencies with ``Depends``.
    package
        Only functions defined in this package are changed.

    Returns
    -------
    list of str
        Names of the dependencies changed.
    """
    done = []
    for alias in vars(module).values():
        value = getattr(alias, "__value__", alias)  # a ``type`` alias
        if typing.get_origin(value) is not typing.Annotated:
            continue
        for marker in value.__metadata__:
            call = getattr(marker, "dependency", None)
            if (
                isinstance(marker, Depends)
                and inspect.isfunction(call)
                and not inspect.iscoroutinefunction(call)
                and call.__module__.startswith(package)
            ):
                # Depends is a frozen dataclass; the alias holds this one.
                object.__setattr__(marker, "dependency", _as_async(call))
                done.append(f"{call.__module__}.{call.__qualname__}")
    return done


_package = os.environ["BENCH_MODULE"]
if os.environ.get("BENCH_ASYNC_DEPENDENCIES") == "1":
    make_dependencies_async(
        importlib.import_module(f"{_package}.dependencies"), _package
    )
app: FastAPI = importlib.import_module(f"{_package}.main").app
"""The project's application."""
