"""Tests of the internal routes."""

import pytest
from httpx import AsyncClient

from {{ cookiecutter.module_name }} import __version__
from {{ cookiecutter.module_name }}.config import config


@pytest.mark.asyncio
async def test_get_index(client: AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == config.name
    assert data["version"] == __version__
    assert isinstance(data["description"], str)


@pytest.mark.asyncio
async def test_openapi_documents_job_api(client: AsyncClient) -> None:
    response = await client.get(f"{config.path_prefix}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    post = paths[f"{config.path_prefix}/jobs"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    schemas = response.json()["components"]["schemas"]
    body_schema = schemas[body["$ref"].rsplit("/", 1)[1]]
    assert body_schema["discriminator"]["propertyName"] == "task"
    assert schemas["WordCountJob"]["examples"][0]["task"] == "word_count"
    job_path = paths[config.path_prefix + "/jobs/{job_id}"]
    assert set(job_path) == {"get", "delete"}
