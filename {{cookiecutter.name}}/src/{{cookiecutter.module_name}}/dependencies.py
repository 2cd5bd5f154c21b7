"""FastAPI dependencies that give handlers their services."""

from typing import Annotated

from fastapi import Depends
from safir.arq import ArqQueue
from safir.dependencies.arq import arq_dependency

from .config import config
from .services.jobs import JobService

__all__ = ["JobServiceDep", "get_job_service"]


def get_job_service(
    queue: Annotated[ArqQueue, Depends(arq_dependency)],
) -> JobService:
    """Build the job service around the process's arq queue client.

    Parameters
    ----------
    queue
        Safir's arq queue client.

    Returns
    -------
    JobService
        Service for the configured queue.
    """
    return JobService(
        queue,
        queue_name=config.queue_name,
        abort_timeout=config.abort_timeout,
        fetch_allowed_hosts=config.fetch_allowed_hosts,
    )


type JobServiceDep = Annotated[JobService, Depends(get_job_service)]
"""A handler parameter of this type receives the job service."""
