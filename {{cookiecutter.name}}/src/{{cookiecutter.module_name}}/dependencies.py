"""FastAPI dependencies that give handlers their services."""

from typing import Annotated

from fastapi import Depends

from .config import config
from .queue import JobQueue, arq_dependency
from .services.jobs import JobService


async def get_job_service(
    queue: Annotated[JobQueue, Depends(arq_dependency)],
) -> JobService:
    """Build the job service around the process's queue client."""
    # Async, so that FastAPI does not hand it to its thread pool each time.
    return JobService(queue, config)


type JobServiceDep = Annotated[JobService, Depends(get_job_service)]
"""A handler parameter of this type receives the job service."""
