"""The worker loads no web framework: FastAPI would cost it memory."""

from {{cookiecutter.module_name}}.worker import main

from ..support.imports import loaded_by


def test_worker_does_not_import_fastapi() -> None:
    loaded = loaded_by(main.__name__)
    assert "arq.worker" in loaded
    web = [m for m in loaded if m.split(".")[0] in {"fastapi", "starlette"}]
    assert not web
