"""Kubernetes manifests (`deploy=kubernetes`): every overlay builds and validates offline.

Each combination is rendered in-process with copier from a plain copy of this checkout
(no git clone, no uv sync), built with `kubectl kustomize` and validated object by object
against the schemas `kubernetes-validate` bundles, strictly (unknown fields fail). The
manifests must run the Procfile's commands with the variables of `.env.example`.

The manifests read only `framework`, `project_slug`, `realtime` and `background_tasks`
(`test_manifests_read_only_the_answers_the_combinations_cover` holds them to it), so the
twelve combinations of the first, third and fourth plus the longest slug are every
combination of answers there is for them.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import copier
import jinja2
import jinja2.meta
import kubernetes_validate
import pytest
import yaml

from generator.matrix import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent
OVERLAYS = ("staging", "production")
#: The Kubernetes versions whose bundled schemas the objects must satisfy: the newest, and
#: an old one that managed clusters still run.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
#: The image's unprivileged user (common/Dockerfile.jinja: useradd --uid 10001 app).
APP_UID = 10001
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _combinations() -> list[tuple[str, dict[str, Any]]]:
    combos = []
    for framework, realtime, celery in itertools.product(FRAMEWORKS, (False, True), (False, True)):
        name = framework + ("-realtime" if realtime else "") + ("-celery" if celery else "")
        combos.append(
            (
                name,
                {
                    "framework": framework,
                    "realtime": realtime,
                    "background_tasks": "celery" if celery else "none",
                },
            )
        )
    combos.append(
        (
            "hybrid-longest-slug",
            {
                "framework": "hybrid",
                "project_slug": "a" * 30 + "_" * 3 + "b" * 31,
                "realtime": True,
                "background_tasks": "celery",
                "database": "postgresql",
                "frontend": "spa",
                "auth": "both",
            },
        )
    )
    return combos


COMBINATIONS = _combinations()


@pytest.fixture(scope="session")
def template_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as a plain folder: copier renders it without cloning (and with edits)."""
    dest = tmp_path_factory.mktemp("template")
    for name in ("copier.yml", "common", "template_django", "template_fastapi", "template_hybrid"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy(source, dest / name)
    (dest / "generator").mkdir()
    for data in (ROOT / "generator").glob("*.yml"):
        shutil.copy(data, dest / "generator" / data.name)
    return dest


def render(template: Path, dest: Path, answers: dict[str, Any]) -> Path:
    copier.run_copy(
        str(template),
        str(dest),
        data={"project_name": "Acme Orders", **answers},
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    return dest


def kustomize(directory: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: apt-get install kubectl (.ci/run does)"
    proc = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@dataclass
class Built:
    """One rendered project and its overlays, as kubectl kustomize builds them."""

    project: Path
    answers: dict[str, Any]
    overlays: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def deploy(self) -> Path:
        return self.project / "deploy" / "kubernetes"

    @property
    def celery(self) -> bool:
        return self.answers["background_tasks"] == "celery"

    @property
    def uses_redis(self) -> bool:
        return bool(self.answers["realtime"]) or self.celery

    @cached_property
    def procfile(self) -> dict[str, str]:
        lines = (self.project / "Procfile").read_text().splitlines()
        return dict(line.split(": ", 1) for line in lines if line.strip())

    @cached_property
    def env_example(self) -> set[str]:
        text = (self.project / ".env.example").read_text()
        return set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]*)=", text))

    def one(self, overlay: str, kind: str, name: str) -> dict[str, Any]:
        found = [
            o
            for o in self.overlays[overlay]
            if o["kind"] == kind and o["metadata"]["name"].startswith(name)
        ]
        assert len(found) == 1, f"{overlay}: {kind}/{name}: {len(found)} objects"
        return found[0]


@pytest.fixture(scope="session")
def built(template_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every combination rendered once, both overlays built once."""
    out: dict[str, Built] = {}
    for name, answers in COMBINATIONS:
        project = render(
            template_copy, tmp_path_factory.mktemp(name), {"deploy": "kubernetes", **answers}
        )
        recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
        item = Built(project, recorded)
        for overlay in OVERLAYS:
            item.overlays[overlay] = kustomize(item.deploy / "overlays" / overlay)
        out[name] = item
    return out


IDS = [name for name, _ in COMBINATIONS]


def containers(pod_spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from pod_spec.get("initContainers", [])
    yield from pod_spec["containers"]


def workloads(objects: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from (o for o in objects if o["kind"] in ("Deployment", "Job"))


def test_manifests_read_only_the_answers_the_combinations_cover() -> None:
    env = jinja2.Environment(autoescape=False)
    env.filters["regex_replace"] = lambda value, *_: value  # one of copier's filters
    read: set[str] = set()
    given: set[str] = set()  # what each template's own manifest files set for the common ones
    sources = [*(ROOT / "common" / "kubernetes").rglob("*.jinja")]
    sources += [ROOT / f"template_{framework}" / "Procfile.jinja" for framework in FRAMEWORKS]
    wrappers = [
        path
        for framework in FRAMEWORKS
        for path in (ROOT / f"template_{framework}").glob("*deploy*/kubernetes/**/*.jinja")
    ]
    assert wrappers
    for source in [*sources, *wrappers]:
        ast = env.parse(source.read_text())
        assigned = {n.name for n in ast.find_all(jinja2.nodes.Name) if n.ctx == "store"}
        assigned |= {m.name for m in ast.find_all(jinja2.nodes.Macro)}
        read |= jinja2.meta.find_undeclared_variables(ast) - assigned
        if source in wrappers:
            given |= assigned
    assert read - given == {"framework", "project_slug", "realtime", "background_tasks"}
    # Files without tags are plain YAML, named without .jinja (STYLE.md).
    for plain in (ROOT / "common" / "kubernetes").rglob("*.yaml"):
        assert not any(m in plain.read_text() for m in ("{{", "{%", "{#")), plain
    for tagged in (ROOT / "common" / "kubernetes").rglob("*.jinja"):
        assert any(m in tagged.read_text() for m in ("{{", "{%")), tagged


@pytest.mark.parametrize("name", IDS)
def test_every_object_validates_against_the_bundled_schemas(
    built: dict[str, Built], name: str
) -> None:
    item = built[name]
    seen: set[str] = set()
    for overlay, objects in item.overlays.items():
        for obj in objects:
            key = json.dumps(obj, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            for version in KUBERNETES_VERSIONS:
                try:
                    validated = kubernetes_validate.validate(obj, version, strict=True)
                except kubernetes_validate.ValidationError as error:
                    where = ".".join(str(p) for p in error.path)
                    kind = f"{obj['kind']}/{obj['metadata']['name']}"
                    pytest.fail(f"{overlay}: {kind} on {version}: {where}: {error.message}")
                assert validated == version.rsplit(".", 1)[0]
    assert seen


@pytest.mark.parametrize("name", IDS)
def test_each_overlay_has_every_piece(built: dict[str, Built], name: str) -> None:
    item = built[name]
    app = item.one("production", "Deployment", "web")["metadata"]["labels"][
        "app.kubernetes.io/name"
    ]
    assert DNS_LABEL.match(app), app
    assert len(app) <= 55
    for overlay, objects in item.overlays.items():
        kinds = sorted((o["kind"], o["metadata"]["name"].split("-")[0]) for o in objects)
        expected = [
            ("ConfigMap", "config"),
            ("Deployment", "web"),
            ("HorizontalPodAutoscaler", "web"),
            ("Ingress", "web"),
            ("Job", "release"),
            ("PodDisruptionBudget", "web"),
            ("Service", "web"),
        ]
        if item.celery:
            expected.append(("Deployment", "worker"))
        assert kinds == sorted(expected), overlay
        namespace = app if overlay == "production" else f"{app}-staging"
        assert len(namespace) <= 63
        assert DNS_LABEL.match(namespace)
        assert {o["metadata"]["namespace"] for o in objects} == {namespace}
        assert all(o["metadata"]["labels"]["app.kubernetes.io/name"] == app for o in objects)


@pytest.mark.parametrize("name", IDS)
def test_manifests_run_the_procfile_commands(built: dict[str, Built], name: str) -> None:
    item = built[name]
    procfile = item.procfile
    assert set(procfile) == {"release", "web"} | ({"worker"} if item.celery else set())
    for overlay in OVERLAYS:
        web = item.one(overlay, "Deployment", "web")["spec"]["template"]["spec"]
        assert web["containers"][0]["command"] == ["sh", "-c", f"exec {procfile['web']}"]
        release = item.one(overlay, "Job", "release")["spec"]["template"]["spec"]
        assert release["containers"][0]["command"] == ["sh", "-c", procfile["release"]]
        assert release["restartPolicy"] == "Never"
        if item.celery:
            worker = item.one(overlay, "Deployment", "worker")["spec"]["template"]["spec"]
            assert worker["containers"][0]["command"] == [
                "sh",
                "-c",
                f"exec {procfile['worker']}",
            ]
        # The web pods start only once the release Job has migrated the database.
        (wait,) = web["initContainers"]
        check = "alembic current" if "alembic" in procfile["release"] else "migrate --check"
        assert check in wait["command"][2]
        assert wait["command"][2].startswith("until ")
        # The port the web command binds ($PORT) is the one the probes and Service use.
        config = item.one(overlay, "ConfigMap", "config")["data"]
        assert web["containers"][0]["ports"] == [
            {"name": "http", "containerPort": int(config["PORT"])}
        ]


@pytest.mark.parametrize("name", IDS)
def test_environment_matches_env_example_and_secrets_stay_out(
    built: dict[str, Built], name: str
) -> None:
    item = built[name]
    secret_keys = {"SECRET_KEY", "DATABASE_URL"} | ({"REDIS_URL"} if item.uses_redis else set())
    for overlay, objects in item.overlays.items():
        assert not [o for o in objects if o["kind"] == "Secret"]
        config = item.one(overlay, "ConfigMap", "config")
        # PORT is the Procfile's own variable; every other one is documented in .env.example.
        assert set(config["data"]) - {"PORT"} <= item.env_example, overlay
        assert not set(config["data"]) & {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
        assert config["data"]["DEBUG"] == "false"
        for workload in workloads(objects):
            for container in containers(workload["spec"]["template"]["spec"]):
                assert container["envFrom"] == [
                    {"configMapRef": {"name": config["metadata"]["name"]}}
                ]
                refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
                assert set(refs) == secret_keys, container["name"]
                for variable, ref in refs.items():
                    assert ref == {"name": "secrets", "key": variable}  # never optional
                assert set(refs) <= item.env_example


@pytest.mark.parametrize("name", IDS)
def test_websockets_need_redis_before_a_second_replica(built: dict[str, Built], name: str) -> None:
    """A websocket client hears only its own process's events unless they go through Redis."""
    item = built[name]
    for overlay in OVERLAYS:
        hpa = item.one(overlay, "HorizontalPodAutoscaler", "web")["spec"]
        web = item.one(overlay, "Deployment", "web")["spec"]
        assert "replicas" not in web  # the HorizontalPodAutoscaler sets them
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
        }
        assert hpa["maxReplicas"] > 1
        if item.answers["realtime"]:
            env = web["template"]["spec"]["containers"][0]["env"]
            (redis,) = [e for e in env if e["name"] == "REDIS_URL"]
            # A required key: Kubernetes starts no web pod while the Secret lacks it.
            assert "optional" not in redis["valueFrom"]["secretKeyRef"]
    staging = item.one("staging", "HorizontalPodAutoscaler", "web")["spec"]
    production = item.one("production", "HorizontalPodAutoscaler", "web")["spec"]
    assert (staging["minReplicas"], staging["maxReplicas"]) == (1, 2)
    assert (production["minReplicas"], production["maxReplicas"]) == (2, 10)


@pytest.mark.parametrize("name", IDS)
def test_pods_are_hardened_and_bounded(built: dict[str, Built], name: str) -> None:
    item = built[name]
    assert f"--uid {APP_UID} app" in (item.project / "Dockerfile").read_text()
    for overlay, objects in item.overlays.items():
        images = {
            f"{i['newName']}:{i['newTag']}"
            for i in yaml.safe_load(
                (item.deploy / "overlays" / overlay / "kustomization.yaml").read_text()
            )["images"]
        }
        for workload in workloads(objects):
            pod = workload["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] == APP_UID
            assert pod["automountServiceAccountToken"] is False
            volumes = {v["name"]: v for v in pod["volumes"]}
            assert all(set(v) == {"name", "emptyDir"} for v in volumes.values())
            mounts = [{"name": "tmp", "mountPath": "/tmp"}]
            if workload["kind"] == "Job" and item.answers["framework"] != "fastapi":
                # collectstatic, when the release command runs it, writes to STATIC_ROOT.
                mounts.append({"name": "staticfiles", "mountPath": "/app/staticfiles"})
            assert set(volumes) == {m["name"] for m in mounts}
            for container in containers(pod):
                assert container["image"] in images
                security = container["securityContext"]
                assert security["readOnlyRootFilesystem"] is True
                assert security["allowPrivilegeEscalation"] is False
                assert security["capabilities"] == {"drop": ["ALL"]}
                assert container["volumeMounts"] == mounts
                for bound in ("requests", "limits"):
                    assert set(container["resources"][bound]) == {"cpu", "memory"}


@pytest.mark.parametrize("name", IDS)
def test_traffic_reaches_healthy_web_pods(built: dict[str, Built], name: str) -> None:
    item = built[name]
    for overlay in OVERLAYS:
        deployment = item.one(overlay, "Deployment", "web")["spec"]
        labels = deployment["template"]["metadata"]["labels"]
        assert deployment["selector"]["matchLabels"].items() <= labels.items()
        assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        service = item.one(overlay, "Service", "web")["spec"]
        assert service["selector"].items() <= labels.items()
        pdb = item.one(overlay, "PodDisruptionBudget", "web")["spec"]
        assert pdb["selector"]["matchLabels"].items() <= labels.items()
        (port,) = service["ports"]
        assert port["targetPort"] == "http"
        config = item.one(overlay, "ConfigMap", "config")["data"]
        allowed = config["ALLOWED_HOSTS"].split(",")
        web = deployment["template"]["spec"]["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = web[probe]["httpGet"]
            assert (get["path"], get["port"]) == ("/api/health", "http")
            # Every framework refuses a Host outside ALLOWED_HOSTS, the kubelet's too.
            (host,) = [h["value"] for h in get["httpHeaders"] if h["name"] == "Host"]
            assert host in allowed
        ingress = item.one(overlay, "Ingress", "web")["spec"]
        (rule,) = ingress["rules"]
        assert rule["host"] in allowed
        assert ingress["tls"][0]["hosts"] == [rule["host"]]
        assert rule["http"]["paths"][0]["backend"]["service"] == {
            "name": "web",
            "port": {"name": port["name"]},
        }
        assert (rule["host"].startswith("staging.")) == (overlay == "staging")
        # The ingress's X-Forwarded-For names the client (the login throttle counts by it).
        assert config["FORWARDED_ALLOW_IPS"] == "*"
        if item.answers["framework"] != "fastapi":
            assert config["CSRF_TRUSTED_ORIGINS"] == f"https://{rule['host']}"


@pytest.mark.parametrize("name", IDS)
def test_files_pass_the_projects_pre_commit_hooks(built: dict[str, Built], name: str) -> None:
    """check-yaml (one document a file), end-of-file-fixer, trailing-whitespace."""
    item = built[name]
    hooks = (item.project / ".pre-commit-config.yaml").read_text()
    assert "id: check-yaml" in hooks
    assert "allow-multiple-documents" not in hooks
    files = sorted(item.deploy.rglob("*"))
    files = [f for f in files if f.is_file()]
    assert len(files) == 9 + item.celery
    workflows = item.project / ".github" / "workflows"
    for path in [*files, workflows / "ci.yml", workflows / "kubernetes.yml"]:
        text = path.read_text()
        assert len(list(yaml.compose_all(text))) == 1, path
        assert text.endswith("\n"), path
        assert not text.endswith("\n\n"), path
        assert "\n\n\n" not in text, path
        assert not [line for line in text.splitlines() if line != line.rstrip()], path
        assert "\t" not in text, path


def _ci_step(project: Path) -> str:
    workflow = yaml.safe_load((project / ".github" / "workflows" / "kubernetes.yml").read_text())
    steps = [
        s for s in workflow["jobs"]["manifests"]["steps"] if s.get("name") == "Kubernetes manifests"
    ]
    assert len(steps) == 1
    return str(steps[0]["run"])


def _run_ci_step(project: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The workflow's step as GitHub runs it, with `uvx` served by this environment's package."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    uvx = bin_dir / "uvx"
    uvx.write_text(
        "#!/bin/sh\n"
        'case "$1" in kubernetes-validate==*) ;; *) echo "unexpected: $1" >&2; exit 9;; esac\n'
        "shift\n"
        f'exec "{sys.executable}" -m kubernetes_validate "$@"\n'
    )
    uvx.chmod(uvx.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env["RUNNER_TEMP"] = str(tmp_path)
    return subprocess.run(
        ["bash", "-e", "-c", _ci_step(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", ["django", "fastapi-realtime-celery", "hybrid-realtime"])
def test_the_generated_ci_step_builds_and_validates_every_overlay(
    built: dict[str, Built], name: str, tmp_path: Path
) -> None:
    item = built[name]
    assert "uvx kubernetes-validate==" + kubernetes_validate.__version__ in _ci_step(item.project)
    proc = _run_ci_step(item.project, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for overlay in OVERLAYS:
        assert f"== deploy/kubernetes/overlays/{overlay}/" in proc.stdout


def test_the_generated_ci_step_fails_on_an_invalid_object(
    template_copy: Path, tmp_path: Path
) -> None:
    project = render(
        template_copy, tmp_path / "broken", {"framework": "fastapi", "deploy": "kubernetes"}
    )
    pdb = project / "deploy" / "kubernetes" / "base" / "web-pdb.yaml"
    pdb.write_text(pdb.read_text().replace("  maxUnavailable: 1\n", "  maxUnavailable: []\n"))
    assert "maxUnavailable: []" in pdb.read_text()
    proc = _run_ci_step(project, tmp_path)
    assert proc.returncode != 0
    assert "maxUnavailable" in proc.stdout


def test_deploy_is_off_by_default_and_needs_docker(template_copy: Path, tmp_path: Path) -> None:
    project = render(template_copy, tmp_path / "plain", {"framework": "django"})
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["deploy"] == "none"
    assert not (project / "deploy").exists()
    assert "kubectl" not in (project / ".github" / "workflows" / "ci.yml").read_text()
    assert not (project / ".github" / "workflows" / "kubernetes.yml").exists()
    assert "Kubernetes" not in (project / "README.md").read_text()
    assert not (project / "docs" / "kubernetes.md").exists()
    with pytest.raises(ValueError, match="deploy=kubernetes needs docker=true"):
        render(
            template_copy,
            tmp_path / "nodocker",
            {"framework": "fastapi", "docker": False, "deploy": "kubernetes"},
        )
    assert not (tmp_path / "nodocker").exists()


def secret_names(node: Any) -> set[str]:
    """The Secrets that objects refer to: by `secretName`, `secretKeyRef` or `secretRef`."""
    if isinstance(node, list):
        return set().union(*map(secret_names, node))
    if not isinstance(node, dict):
        return set()
    names = {node["secretName"]} if "secretName" in node else set()
    names |= {node[key]["name"] for key in ("secretKeyRef", "secretRef") if key in node}
    return names.union(*map(secret_names, node.values()))


@pytest.mark.parametrize("name", ["django-celery", "fastapi-realtime", "hybrid"])
def test_the_guide_explains_deploying_and_the_procfile_mapping(
    built: dict[str, Built], name: str
) -> None:
    item = built[name]
    assert "`docs/`" in (item.project / "README.md").read_text()  # where the guides are
    guide = (item.project / "docs" / "kubernetes.md").read_text()
    assert guide.startswith("# Deploying to Kubernetes\n")
    assert "\n\n\n" not in guide
    assert "kubectl apply -k deploy/kubernetes/overlays/production" in guide
    assert "kubectl create secret generic secrets" in guide
    # Every Secret the production manifests name, the guide's commands create.
    named = secret_names(item.overlays["production"])
    created = set(re.findall(r"kubectl create secret \w+ ([a-z0-9-]+) -n", guide))
    assert named == created == {"secrets", "web-tls"}, (named, created)
    assert "docker build" in guide
    for process in item.procfile:
        assert f"`{process}`" in guide
    assert ("REDIS_URL" in guide) == item.uses_redis
    # Live updates need Redis between pods: their own guide says so.
    realtime = item.project / "docs" / "realtime.md"
    assert realtime.exists() == item.answers["realtime"]
    if item.answers["realtime"]:
        assert "required key of the Secret `secrets`" in realtime.read_text()
