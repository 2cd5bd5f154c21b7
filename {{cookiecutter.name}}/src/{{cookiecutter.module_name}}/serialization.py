"""Signed JSON for everything that arq stores in Redis, and its failures.

arq's default, pickle, runs code found in Redis. These payloads are JSON
behind an HMAC-SHA256 signature, and nothing is parsed before its signature
matches one of the configured keys.
"""

import asyncio
import builtins
import hashlib
import hmac
import json
import pickle
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import from_json, to_json

ABORTED = "Job was aborted"
"""The ``error`` of a job that was aborted before or while it ran."""

TIMED_OUT = "TimeoutError: job exceeded its time limit"
"""The ``error`` of a job that ran past its time limit."""

_EXCEPTION_KEY = "__exception__"
_EXCEPTION_MARK = b'"__exception__"'
_SIGNATURE_LENGTH = 64
_BLOCK_SIZE = 64  # SHA-256's, which HMAC pads the key to

type Serializers = tuple[
    Callable[[dict[str, Any]], bytes], Callable[[bytes], dict[str, Any]]
]
"""A serializer and deserializer pair, as arq takes them."""


class InvalidPayloadError(ValueError):
    """Data in Redis is not a payload that this service signed."""


class JobFailure(Exception):  # noqa: N818 - it describes a failure, not an error of its own
    """A failed job's exception of a type that is not builtin, read back."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return (
            f"{self.type_name}: {self.message}"
            if self.message
            else self.type_name
        )


def describe_failure(result: Any) -> str:
    """Say why a job failed, from the exception stored as its result."""
    if isinstance(result, asyncio.CancelledError):
        return ABORTED
    if type(result) is TimeoutError:
        return TIMED_OUT
    if isinstance(result, BaseException) and not isinstance(
        result, JobFailure
    ):
        message = str(result)
        name = type(result).__name__
        return f"{name}: {message}" if message else name
    return str(result)


def _encode(value: Any) -> Any:
    if isinstance(value, JobFailure):
        return {
            _EXCEPTION_KEY: {"type": value.type_name, "message": value.message}
        }
    if isinstance(value, BaseException):
        name = type(value).__name__
        return {_EXCEPTION_KEY: {"type": name, "message": str(value)}}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) != {_EXCEPTION_KEY}:
        return obj
    name = str(obj[_EXCEPTION_KEY].get("type", "Exception"))
    message = str(obj[_EXCEPTION_KEY].get("message", ""))
    if name == "CancelledError":
        return asyncio.CancelledError(message)
    known = getattr(builtins, name, None)
    if isinstance(known, type) and issubclass(known, Exception):
        try:
            return known(message)
        except TypeError:
            pass  # an exception class that takes other arguments
    return JobFailure(name, message)


class _Signer:
    """HMAC-SHA256 under one key, from hash states keyed once (RFC 2104).

    Copying two keyed SHA-256 states costs half of copying a keyed
    `hmac.HMAC`, on every job and result; the digest is the same.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK_SIZE:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK_SIZE, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def sign(self, payload: bytes) -> bytes:
        """Return the hex signature of ``payload``."""
        inner = self._inner.copy()
        inner.update(payload)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest().encode()


class SignedJsonSerializer:
    """JSON signed with HMAC-SHA256, for arq's jobs and results.

    Failed jobs keep their exception's type and message: builtin types come
    back as themselves, others as `JobFailure`.

    Parameters
    ----------
    key
        Signs what is written; the API and the worker share it.
    accepted
        Further keys whose signatures are accepted when reading.
    """

    def __init__(self, key: bytes, accepted: Sequence[bytes] = ()) -> None:
        self._signer = _Signer(key)
        self._readers = [self._signer, *map(_Signer, accepted)]

    def dumps(self, data: dict[str, Any]) -> bytes:
        """Serialize and sign a job or result: signature, ``.``, JSON."""
        payload = to_json(data, fallback=_encode)
        return self._signer.sign(payload) + b"." + payload

    def loads(self, data: bytes) -> dict[str, Any]:
        """Check the signature, then parse a job or result.

        Raises
        ------
        InvalidPayloadError
            Raised if no accepted key signed the data; nothing in it is
            interpreted first.
        """
        signature, dot, payload = data.partition(b".")
        if len(signature) != _SIGNATURE_LENGTH or not dot:
            raise InvalidPayloadError("Redis holds an unsigned job payload")
        if not any(
            hmac.compare_digest(signature, reader.sign(payload))
            for reader in self._readers
        ):
            raise InvalidPayloadError(
                "the payload's signature matches none of the signing keys"
            )
        if _EXCEPTION_MARK in payload:  # only failures need the slow hook
            result: dict[str, Any] = json.loads(payload, object_hook=_decode)
        else:
            result = from_json(payload)
        return result

    @property
    def pair(self) -> Serializers:
        """The serializer and deserializer, for arq."""
        return self.dumps, self.loads


def pickle_serializers() -> Serializers:
    """Return arq's default pickle pair, for the explicit opt-in."""
    return pickle.dumps, pickle.loads
