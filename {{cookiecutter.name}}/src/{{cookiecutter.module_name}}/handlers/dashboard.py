"""The queue dashboard: server-rendered pages over the job service.

Off unless ``DASHBOARD_ENABLED``; it reads and changes jobs only through
`JobService`, as the JSON API does, and loads nothing from outside.
"""

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import (
    APIRouter,
    Depends,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    status,
)
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from safir.fastapi import ClientRequestError

from ..config import config
from ..dependencies import JobServiceDep, RequestIdDep, token_allowed
from ..models import ListableStatus
from ..services.jobs import AbortOutcome
from .jobs import JobId

PAGE_SIZE = 50
"""Jobs on one page of a list."""

MAX_PAGES = 20
"""Pages of a list: the newest 1,000 jobs of a status."""

COOKIE = "dashboard_token"
"""Cookie that holds the token a browser signed in with."""

CSRF_LIFETIME = 12 * 3600
"""Seconds for which a page's CSRF token is accepted."""

STATUSES = ["deferred", "queued", "in_progress", "complete", "failed"]

_PACKAGE = Path(__file__).parent.parent
_STATIC = {
    "htmx.min.js": _PACKAGE / "static" / "htmx.min.js",
    "dashboard.css": _PACKAGE / "static" / "dashboard.css",
}
_templates = Jinja2Templates(directory=_PACKAGE / "templates")

# Every API replica must accept the others' tokens: derived from the shared
# signing key when there is one, else this process's own.
_CSRF_KEY = hashlib.sha256(
    b"dashboard-csrf:"
    + (
        config.signing_key.get_secret_value().encode()
        if config.signing_key
        else secrets.token_bytes(32)
    )
).digest()


def _csrf_token() -> str:
    issued = str(int(time.time()))
    mac = hmac.new(_CSRF_KEY, issued.encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac}"


def _csrf_valid(token: str | None) -> bool:
    issued, _, mac = (token or "").partition(".")
    if not issued.isdigit() or time.time() - int(issued) > CSRF_LIFETIME:
        return False
    expected = hmac.new(_CSRF_KEY, issued.encode(), hashlib.sha256)
    return hmac.compare_digest(mac, expected.hexdigest())


def _base() -> str:
    return f"{config.path_prefix}/dashboard"


async def require_dashboard(request: Request) -> None:
    """Answer 404 while the dashboard is off, and send a stranger to sign in.

    Raises
    ------
    fastapi.HTTPException
        Raised with 404 if ``DASHBOARD_ENABLED`` is false, or 303 to the
        sign-in page if tokens are set and the browser holds none of them.
    """
    if not config.dashboard_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    if not token_allowed(request.cookies.get(COOKIE)):
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            "Sign in first",
            headers={"Location": f"{_base()}/login"},
        )


async def require_csrf(
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> None:
    """Refuse a state change without the CSRF token of a dashboard page.

    Raises
    ------
    fastapi.HTTPException
        Raised with 403 if the token is missing, forged or expired.
    """
    if not _csrf_valid(x_csrf_token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Reload the page: its form expired"
        )


def _page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    response = _templates.TemplateResponse(
        request,
        template,
        {
            "base": _base(),
            "name": config.name,
            "statuses": STATUSES,
            "csrf_token": _csrf_token(),
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self';"
        " img-src 'self'; connect-src 'self'; form-action 'self';"
        " base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Headers of every dashboard page: it loads nothing from elsewhere."""

type Page = Annotated[int, Query(ge=1, le=MAX_PAGES)]

dashboard_router = APIRouter(prefix="/dashboard", include_in_schema=False)
"""The dashboard's sign-in page and static files, open to all."""

pages_router = APIRouter(
    prefix="/dashboard",
    include_in_schema=False,
    dependencies=[Depends(require_dashboard)],
)
"""The dashboard's pages, behind `require_dashboard`."""


@dashboard_router.get("/static/{name}")
async def static_file(name: str) -> FileResponse:
    """Serve the style sheet or the vendored htmx."""
    if not config.dashboard_enabled or name not in _STATIC:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return FileResponse(_STATIC[name], headers={"Cache-Control": "no-cache"})


@dashboard_router.get("/login")
async def login_page(request: Request) -> Response:
    """Ask for a token, when ``API_TOKENS`` is set."""
    if not config.dashboard_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return _page(request, "login.html", title="Sign in", failed=False)


@dashboard_router.post("/login")
async def login(request: Request) -> Response:
    """Keep an accepted token in an HTTP-only, same-site cookie."""
    if not config.dashboard_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    # A two-field form: parsed here rather than with python-multipart.
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = form.get("token", [""])[0]
    if not _csrf_valid(form.get("csrf_token", [""])[0]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Reload the page")
    if not config.api_tokens:
        return RedirectResponse(_base(), status.HTTP_303_SEE_OTHER)
    if not token_allowed(token):
        return _page(
            request,
            "login.html",
            status.HTTP_401_UNAUTHORIZED,
            title="Sign in",
            failed=True,
        )
    response = RedirectResponse(_base(), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        path=config.path_prefix,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@pages_router.get("")
async def overview(request: Request, service: JobServiceDep) -> Response:
    """Show the count of jobs by status and the workers' health keys."""
    return _page(
        request,
        "overview.html",
        title="Overview",
        counts=await service.count_jobs(),
        workers=await service.worker_health(),
    )


@pages_router.get("/counts")
async def counts(request: Request, service: JobServiceDep) -> Response:
    """Render the overview's counts, which it reloads every few seconds."""
    counted = await service.count_jobs()
    return _page(request, "_counts.html", counts=counted)


async def _jobs_page(
    service: JobServiceDep, job_status: ListableStatus, page: int
) -> dict[str, Any]:
    jobs = await service.list_jobs(job_status, page * PAGE_SIZE + 1)
    start = (page - 1) * PAGE_SIZE
    return {
        "jobs": jobs[start : start + PAGE_SIZE],
        "more": len(jobs) > page * PAGE_SIZE and page < MAX_PAGES,
        "status": job_status,
        "page": page,
    }


@pages_router.get("/jobs")
async def jobs_page(
    request: Request,
    service: JobServiceDep,
    job_status: Annotated[ListableStatus, Query(alias="status")],
    page: Page = 1,
) -> Response:
    """One page of the jobs with a status, newest first."""
    context = await _jobs_page(service, job_status, page)
    return _page(request, "jobs.html", title=job_status, **context)


@pages_router.get("/rows")
async def rows(
    request: Request,
    service: JobServiceDep,
    job_status: Annotated[ListableStatus, Query(alias="status")],
    page: Page = 1,
) -> Response:
    """Render a list page's rows, which it reloads every few seconds."""
    context = await _jobs_page(service, job_status, page)
    return _page(request, "_rows.html", **context)


@pages_router.get("/jobs/{job_id}")
async def job_page(
    request: Request, service: JobServiceDep, job_id: JobId
) -> Response:
    """Show a job: its task, arguments, times, progress and outcome."""
    job = await service.get(job_id)
    return _page(request, "job.html", title=f"Job {job_id}", job=job)


@pages_router.post(
    "/jobs/{job_id}/abort", dependencies=[Depends(require_csrf)]
)
async def abort(
    request: Request, service: JobServiceDep, job_id: JobId
) -> Response:
    """Abort a job, as ``DELETE /jobs/{id}`` does; then show it again."""
    try:
        outcome = await service.abort(job_id)
    except ClientRequestError as exc:
        return _message(request, exc)
    if outcome is AbortOutcome.requested:
        return _message(
            request, None, "Abort requested: no worker confirmed it yet."
        )
    if outcome is AbortOutcome.dropped:
        return _redirect(f"{_base()}/jobs?status=failed")
    return _redirect(f"{_base()}/jobs/{job_id}")


@pages_router.post(
    "/jobs/{job_id}/retry", dependencies=[Depends(require_csrf)]
)
async def retry(
    request: Request,
    service: JobServiceDep,
    request_id: RequestIdDep,
    job_id: JobId,
) -> Response:
    """Queue a failed job again; then show the new job."""
    try:
        job = await service.retry(job_id, request_id)
    except ClientRequestError as exc:
        return _message(request, exc)
    return _redirect(f"{_base()}/jobs/{job.id}")


def _redirect(url: str) -> Response:
    # htmx follows HX-Redirect with a full page load.
    return Response(
        status_code=status.HTTP_200_OK, headers={"HX-Redirect": url}
    )


def _message(
    request: Request, error: ClientRequestError | None, text: str = ""
) -> Response:
    code = error.status_code if error else status.HTTP_202_ACCEPTED
    return _page(
        request, "_message.html", code, message=str(error) if error else text
    )
