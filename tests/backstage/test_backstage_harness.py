"""Smoke tests: the real Backstage backend installs, starts and behaves as documented."""

from __future__ import annotations

import uuid

import requests

from .harness import Backstage, FileServer

VALID_COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  description: smoke test component
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-smoke
"""

INVALID_NAME = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Bad Name With Spaces!
spec:
  type: service
  lifecycle: experimental
  owner: team-smoke
"""

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: {name}
spec:
  owner: team-smoke
  type: service
  steps: []
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_register_location_then_entity_is_served_and_removed(backstage: Backstage, catalog_files: FileServer) -> None:
    name = unique("smoke")
    target = catalog_files.write(f"{name}/catalog-info.yaml", VALID_COMPONENT.format(name=name))

    resp = backstage.add_location(target)
    assert resp.status_code == 201, resp.text
    location = resp.json()["location"]
    assert location["type"] == "url"
    assert location["target"] == target
    assert location["entityRef"].startswith("location:default/generated-")
    assert any(loc["id"] == location["id"] and loc["target"] == target for loc in backstage.locations())

    entity = backstage.wait_for_entity(f"component:default/{name}", timeout=30)
    # The same check, spelled out against the raw endpoint.
    raw = backstage.request("GET", f"/entities/by-name/component/default/{name}")
    assert raw.status_code == 200, raw.text
    assert raw.json()["metadata"]["uid"] == entity["metadata"]["uid"]
    assert entity["kind"] == "Component"
    assert entity["spec"]["type"] == "service"
    annotations = entity["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == f"url:{target}"
    assert annotations["backstage.io/managed-by-origin-location"] == f"url:{target}"
    assert name in {e["metadata"]["name"] for e in backstage.entities("kind=component")}

    # Registering the same target twice is a conflict.
    again = backstage.add_location(target)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["name"] == "ConflictError"

    backstage.delete_location(location["id"])
    backstage.wait_until_absent(f"component:default/{name}", timeout=10)
    assert all(loc["id"] != location["id"] for loc in backstage.locations())


def test_dry_run_of_invalid_file_is_400_input_error(backstage: Backstage, catalog_files: FileServer) -> None:
    target = catalog_files.write(f"{unique('bad')}/catalog-info.yaml", INVALID_NAME)

    resp = backstage.add_location(target, dry_run=True)

    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["name"] == "InputError"
    assert '"metadata.name" is not valid' in error["message"]
    assert "Bad Name With Spaces!" in error["message"]
    assert all(loc["target"] != target for loc in backstage.locations())


def test_dry_run_accepts_template_kind(backstage: Backstage, catalog_files: FileServer) -> None:
    """The scaffolder entity-model module is loaded and catalog.rules allow Template."""
    name = unique("tmpl")
    target = catalog_files.write(f"{name}/template.yaml", TEMPLATE.format(name=name))

    resp = backstage.add_location(target, dry_run=True)

    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["exists"] is False
    kinds = {(e["kind"], e["metadata"]["name"]) for e in body["entities"]}
    assert ("Template", name) in kinds
    assert backstage.get_entity(f"template:default/{name}") is None  # dry run stores nothing


def test_requests_without_the_token_are_rejected(backstage: Backstage) -> None:
    anonymous = requests.Session()
    anonymous.trust_env = False  # no proxies for loopback
    resp = anonymous.get(backstage.catalog_url + "/entities", timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error"]["name"] == "AuthenticationError"
    wrong = anonymous.get(
        backstage.catalog_url + "/entities", headers={"Authorization": "Bearer wrong-token-123"}, timeout=10
    )
    assert wrong.status_code == 401
    health = anonymous.get(backstage.url + "/.backstage/health/v1/readiness", timeout=10)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
