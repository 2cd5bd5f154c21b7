"""The queue dashboard: server-rendered pages over the job service.

Off unless ``DASHBOARD_ENABLED``; it reads and changes jobs only through
`JobService`, as the JSON API does, and loads nothing from outside.
"""

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Annotated, Any, get_args
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
from ..dependencies import JobServiceDep, request_id_of, token_allowed
from ..models import ListableStatus
from ..services.jobs import AbortOutcome
from .jobs import JobId

PAGE_SIZE = 50
"""Jobs on one page of a list."""

MAX_PAGES = 20
"""Pages of a list: the newest 1,000 jobs of a status."""

COOKIE = "dashboard_token"
"""Cookie that holds the token a browser signed in with."""

BROWSER_COOKIE = "dashboard_browser"
"""Cookie with a random id of the browser, to which CSRF tokens are bound."""

CSRF_LIFETIME = 12 * 3600
"""Seconds for which a page's CSRF token is accepted."""

STATUSES = get_args(ListableStatus.__value__)

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


def _mac(issued: str, browser: str) -> str:
    """Sign a CSRF token's issue time for one browser."""
    message = f"{issued}.{browser}".encode()
    return hmac.new(_CSRF_KEY, message, hashlib.sha256).hexdigest()


def _csrf_valid(token: str | None, browser: str | None) -> bool:
    """Whether a token was issued to this browser within its lifetime."""
    issued, _, mac = (token or "").partition(".")
    if not browser or not issued.isdigit():
        return False
    if time.time() - int(issued) > CSRF_LIFETIME:
        return False
    return hmac.compare_digest(mac, _mac(issued, browser))


def _base() -> str:
    """Return the dashboard's path."""
    return f"{config.path_prefix}/dashboard"


async def require_enabled() -> None:
    """Answer 404 while ``DASHBOARD_ENABLED`` is false.

    Raises
    ------
    fastapi.HTTPException
        Raised with 404 while the dashboard is off.
    """
    if not config.dashboard_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")


async def require_sign_in(request: Request) -> None:
    """Send a browser without an accepted token to the sign-in page.

    Raises
    ------
    fastapi.HTTPException
        Raised with 303 to the sign-in page (for htmx's own requests, 401
        with ``HX-Redirect``) if tokens are set and the browser holds none.
    """
    if token_allowed(request.cookies.get(COOKIE)):
        return
    login = f"{_base()}/login"
    if request.headers.get("HX-Request"):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Sign in first",
            headers={"HX-Redirect": login},
        )
    raise HTTPException(
        status.HTTP_303_SEE_OTHER, "Sign in first", headers={"Location": login}
    )


def _page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """Render a template with the dashboard's context and headers."""
    browser = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe()
    issued = str(int(time.time()))
    response = _templates.TemplateResponse(
        request,
        template,
        {
            "base": _base(),
            "name": config.name,
            "statuses": STATUSES,
            "csrf_token": f"{issued}.{_mac(issued, browser)}",
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    if BROWSER_COOKIE not in request.cookies:
        _set_cookie(request, response, BROWSER_COOKIE, browser)
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str
) -> None:
    """Set one of the dashboard's HTTP-only cookies."""
    response.set_cookie(
        name,
        value,
        path=_base(),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def _csrf_refused(request: Request, token: str | None) -> Response | None:
    """Answer 403 unless the token was issued to this browser."""
    if _csrf_valid(token, request.cookies.get(BROWSER_COOKIE)):
        return None
    return _page(
        request,
        "_message.html",
        status.HTTP_403_FORBIDDEN,
        message="Reload the page: its form has expired",
    )


type Page = Annotated[int, Query(ge=1, le=MAX_PAGES)]
type CsrfToken = Annotated[str | None, Header(alias="X-CSRF-Token")]

dashboard_router = APIRouter(
    prefix="/dashboard",
    include_in_schema=False,
    dependencies=[Depends(require_enabled)],
)
"""The dashboard's sign-in page and static files, open to all."""

pages_router = APIRouter(
    prefix="/dashboard",
    include_in_schema=False,
    dependencies=[Depends(require_enabled), Depends(require_sign_in)],
)
"""The dashboard's pages, for a signed-in browser."""


@dashboard_router.get("/static/{name}")
async def static_file(name: str) -> FileResponse:
    """Serve the style sheet or the vendored htmx."""
    if name not in _STATIC:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return FileResponse(_STATIC[name], headers={"Cache-Control": "no-cache"})


@dashboard_router.get("/login")
async def login_page(request: Request) -> Response:
    """Ask for a token, when ``API_TOKENS`` is set."""
    if not config.api_tokens:
        return RedirectResponse(_base(), status.HTTP_303_SEE_OTHER)
    return _page(request, "login.html", title="Sign in", failed=False)


@dashboard_router.post("/login")
async def login(request: Request) -> Response:
    """Keep an accepted token in an HTTP-only, same-site cookie."""
    # A two-field form: parsed here rather than with python-multipart.
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = form.get("token", [""])[0]
    if refused := _csrf_refused(request, form.get("csrf_token", [""])[0]):
        return refused
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
    _set_cookie(request, response, COOKIE, token)
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
    """Read one page of a list, and whether an older one follows."""
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


@pages_router.post("/jobs/{job_id}/abort")
async def abort(
    request: Request,
    service: JobServiceDep,
    job_id: JobId,
    csrf: CsrfToken = None,
) -> Response:
    """Abort a job, as ``DELETE /jobs/{id}`` does; then show it again."""
    if refused := _csrf_refused(request, csrf):
        return refused
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


@pages_router.post("/jobs/{job_id}/retry")
async def retry(
    request: Request,
    service: JobServiceDep,
    job_id: JobId,
    csrf: CsrfToken = None,
) -> Response:
    """Queue a failed job again; then show the new job."""
    if refused := _csrf_refused(request, csrf):
        return refused
    try:
        job = await service.retry(job_id, request_id_of(request))
    except ClientRequestError as exc:
        return _message(request, exc)
    return _redirect(f"{_base()}/jobs/{job.id}")


def _redirect(url: str) -> Response:
    """Send htmx to another page, which it loads in full."""
    return Response(
        status_code=status.HTTP_200_OK, headers={"HX-Redirect": url}
    )


def _message(
    request: Request, error: ClientRequestError | None, text: str = ""
) -> Response:
    """Answer a button with a message for the page's message area."""
    code = error.status_code if error else status.HTTP_202_ACCEPTED
    return _page(
        request, "_message.html", code, message=str(error) if error else text
    )
