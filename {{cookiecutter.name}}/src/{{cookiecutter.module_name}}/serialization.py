"""Signed JSON for everything that arq stores in Redis.

arq's default, pickle, runs code found in the payload: anyone who can write a
job key in Redis could run code in the worker, and in the API, which reads
jobs and results with the same deserializer. This module's serializer writes
JSON with an HMAC-SHA256 signature keyed by the ``SIGNING_KEY`` setting, and
reads nothing whose signature does not match: a tampered, truncated or
pickled payload raises `InvalidPayloadError` and executes nothing.
"""

import asyncio
import builtins
import hashlib
import hmac
import json
import pickle
from collections.abc import Callable
from typing import Any

from pydantic_core import to_jsonable_python

__all__ = [
    "EXCEPTION_KEY",
    "InvalidPayloadError",
    "JobFailure",
    "Serializers",
    "SignedJsonSerializer",
    "pickle_serializers",
]

EXCEPTION_KEY = "__exception__"
"""Key of the JSON object that stands for a failed job's exception."""

_SIGNATURE_LENGTH = 64
"""Hexadecimal characters of an HMAC-SHA256 signature."""

type Serializers = tuple[
    Callable[[dict[str, Any]], bytes], Callable[[bytes], dict[str, Any]]
]
"""A serializer and deserializer pair, as arq takes them."""


class InvalidPayloadError(ValueError):
    """Data in Redis is not a payload that this service signed."""


class JobFailure(Exception):  # noqa: N818 - it describes a failure, not an error of its own
    """A failed job's exception, as read back from Redis.

    Parameters
    ----------
    type_name
        Name of the exception's class.
    message
        The exception's message.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        if not self.message:
            return self.type_name
        return f"{self.type_name}: {self.message}"


def _encode(value: Any) -> Any:
    if isinstance(value, JobFailure):
        return {
            EXCEPTION_KEY: {"type": value.type_name, "message": value.message}
        }
    if isinstance(value, BaseException):
        name = type(value).__name__
        return {EXCEPTION_KEY: {"type": name, "message": str(value)}}
    return to_jsonable_python(value)


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) != {EXCEPTION_KEY}:
        return obj
    name = str(obj[EXCEPTION_KEY].get("type", "Exception"))
    message = str(obj[EXCEPTION_KEY].get("message", ""))
    if name == "CancelledError":
        return asyncio.CancelledError(message)
    known = getattr(builtins, name, None)
    if isinstance(known, type) and issubclass(known, Exception):
        try:
            return known(message)
        except TypeError:
            pass  # an exception class that takes other arguments
    return JobFailure(name, message)


class SignedJsonSerializer:
    """JSON with an HMAC-SHA256 signature, for arq's jobs and results.

    Exceptions of failed jobs keep their type name and message: builtin
    types come back as themselves, others as `JobFailure`.

    Parameters
    ----------
    key
        Secret shared by the API and the worker.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def dumps(self, data: dict[str, Any]) -> bytes:
        """Serialize and sign a job or result.

        Parameters
        ----------
        data
            arq's job or result dictionary.

        Returns
        -------
        bytes
            Signature, ``.``, then the JSON document.
        """
        body = json.dumps(data, default=_encode, separators=(",", ":"))
        payload = body.encode()
        return self._sign(payload) + b"." + payload

    def loads(self, data: bytes) -> dict[str, Any]:
        """Check the signature, then parse a job or result.

        Parameters
        ----------
        data
            Bytes read from Redis.

        Returns
        -------
        dict
            arq's job or result dictionary.

        Raises
        ------
        InvalidPayloadError
            Raised if the data is not signed with this key, whatever it
            holds; nothing in it is interpreted first.
        """
        signature, dot, payload = data.partition(b".")
        if len(signature) != _SIGNATURE_LENGTH or not dot:
            raise InvalidPayloadError("Redis holds an unsigned job payload")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidPayloadError("Job payload signature does not match")
        result: dict[str, Any] = json.loads(payload, object_hook=_decode)
        return result

    @property
    def pair(self) -> Serializers:
        """The serializer and deserializer, for arq."""
        return self.dumps, self.loads

    def _sign(self, payload: bytes) -> bytes:
        digest = hmac.new(self._key, payload, hashlib.sha256)
        return digest.hexdigest().encode()


def pickle_serializers() -> Serializers:
    """Return arq's default pickle pair, for the explicit ``pickle`` opt-in.

    Returns
    -------
    tuple
        `pickle.dumps` and `pickle.loads`.
    """
    return pickle.dumps, pickle.loads
