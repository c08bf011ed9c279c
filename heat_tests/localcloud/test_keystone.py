"""localcloud's Keystone v3 through keystoneauth1 and raw HTTP."""

from __future__ import annotations

import uuid

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

# The namespace of the ids localcloud derives from its seeded projects' and users' names.
SEED_NAMESPACE = uuid.UUID("9a5cf2b4-7d1e-4d0c-8a31-6b657973746e")


def _token_request(localcloud, identity, scope=None):
    body = {"auth": {"identity": identity}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return requests.post(f"{localcloud.auth_url}/auth/tokens", json=body, timeout=5)


def _password(name="demo", password="localcloud"):
    user = {"name": name, "domain": {"name": "Default"}, "password": password}
    return {"methods": ["password"], "password": {"user": user}}


def test_version_documents(localcloud):
    doc = requests.get(localcloud.auth_url, timeout=5).json()
    assert doc["version"]["id"] == "v3.14"
    assert doc["version"]["links"] == [{"rel": "self", "href": f"{localcloud.auth_url}/"}]
    root = requests.get(f"{localcloud.url}/identity", timeout=5)
    assert root.status_code == 300
    assert [v["id"] for v in root.json()["versions"]["values"]] == ["v3.14"]


def test_password_token_with_catalog(localcloud):
    scope = {"project": {"name": "demo", "domain": {"id": "default"}}}
    response = _token_request(localcloud, _password(), scope)
    assert response.status_code == 201
    token = response.json()["token"]
    assert response.headers["X-Subject-Token"]
    assert token["methods"] == ["password"]
    assert token["user"]["name"] == "demo"
    assert token["project"]["name"] == "demo"
    assert [r["name"] for r in token["roles"]] == ["member", "reader"]
    catalog = {s["type"]: s for s in token["catalog"]}
    assert sorted(catalog) == [
        "block-storage",
        "compute",
        "identity",
        "image",
        "network",
        "volumev3",
    ]
    urls = {e["interface"]: e["url"] for e in catalog["compute"]["endpoints"]}
    assert urls == {i: f"{localcloud.url}/compute/v2.1" for i in ("public", "internal", "admin")}


def test_wrong_password_is_a_keystone_401(localcloud):
    response = _token_request(localcloud, _password(password="nope"))
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": 401,
            "message": "The request you have made requires authentication.",
            "title": "Unauthorized",
        }
    }


def test_demo_user_cannot_scope_to_admin_project(localcloud):
    scope = {"project": {"name": "admin", "domain": {"name": "Default"}}}
    response = _token_request(localcloud, _password(), scope)
    assert response.status_code == 401
    demo = localcloud.app.identity.store.find_user("demo").id
    admin = localcloud.app.identity.store.find_project("admin").id
    assert response.json()["error"]["message"] == f"User {demo} has no access to project {admin}."


def test_token_auth_validate_and_revoke(localcloud):
    first = _token_request(localcloud, _password()).headers["X-Subject-Token"]
    project_id = localcloud.app.identity.store.find_project("demo").id
    response = _token_request(
        localcloud, {"methods": ["token"], "token": {"id": first}}, {"project": {"id": project_id}}
    )
    assert response.status_code == 201
    second = response.headers["X-Subject-Token"]
    assert response.json()["token"]["methods"] == ["token", "password"]
    headers = {"X-Auth-Token": first, "X-Subject-Token": second}
    check = requests.get(f"{localcloud.auth_url}/auth/tokens", headers=headers, timeout=5)
    assert check.status_code == 200
    assert check.json()["token"]["project"]["id"] == project_id
    assert (
        requests.delete(
            f"{localcloud.auth_url}/auth/tokens", headers=headers, timeout=5
        ).status_code
        == 204
    )
    check = requests.get(f"{localcloud.auth_url}/auth/tokens", headers=headers, timeout=5)
    assert check.status_code == 404
    assert check.json()["error"]["message"] == f"Could not find token: {second}."


def _identity_get(session, path):
    return session.get(
        path, endpoint_filter={"service_type": "identity", "version": (3, 0)}, raise_exc=False
    )


def test_admin_lists_projects_users_and_domains(localcloud):
    admin = ks_session.Session(auth=v3.Password(**localcloud.credentials(admin=True)))

    def get(path):
        answer = _identity_get(admin, path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert sorted(p["name"] for p in get("/projects")["projects"]) == ["admin", "demo"]
    assert [p["name"] for p in get("/projects?name=demo")["projects"]] == ["demo"]
    assert sorted(u["name"] for u in get("/users")["users"]) == ["admin", "demo"]
    assert [u["name"] for u in get("/users?name=admin")["users"]] == ["admin"]
    assert [(d["id"], d["name"]) for d in get("/domains")["domains"]] == [("default", "Default")]
    demo = localcloud.app.identity.store.find_user("demo")
    assert get(f"/users/{demo.id}")["user"]["name"] == "demo"


def test_a_member_sees_its_own_project_user_and_domain_only(localcloud, localcloud_session):
    store = localcloud.app.identity.store
    demo, admin = store.find_project("demo"), store.find_project("admin")
    user = store.find_user("demo")

    def get(path):
        return _identity_get(localcloud_session, path)

    assert get(f"/projects/{demo.id}").json()["project"]["name"] == "demo"
    assert get(f"/users/{user.id}").json()["user"]["default_project_id"] == demo.id
    assert get("/domains/default").json()["domain"]["name"] == "Default"
    assert get(f"/projects/{admin.id}").status_code == 404
    assert get(f"/users/{store.find_user('admin').id}").status_code == 403
    for listing in ("projects", "users", "domains"):
        answer = get(f"/{listing}")
        assert answer.status_code == 403
        assert answer.json()["error"]["message"] == (
            f"You are not authorized to perform the requested action: identity:list_{listing}."
        )


def test_seeded_ids_and_passwords_follow_a_restart(tmp_path):
    from heat.localcloud import LocalCloud, Settings

    state = str(tmp_path / "state")
    with LocalCloud(state) as cloud:
        demo_id = cloud.app.identity.store.find_project("demo").id
        token = ks_session.Session(auth=v3.Password(**cloud.credentials())).get_token()
    # The ids are those localcloud always gave its seeded project (servers keep their owner).
    assert demo_id == uuid.uuid5(SEED_NAMESPACE, "project/demo").hex
    with LocalCloud(state, settings=Settings(password="changed-password")) as cloud:
        assert cloud.app.identity.store.find_project("demo").id == demo_id
        assert cloud.app.identity.validate(token)["project_id"] == demo_id
        assert _token_request(cloud, _password()).status_code == 401
        assert _token_request(cloud, _password(password="changed-password")).status_code == 201


def test_registered_endpoint_appears_in_the_catalog(localcloud):
    localcloud.register_endpoint("orchestration", "heat", "http://127.0.0.1:8004/v1/{project_id}")
    session = ks_session.Session(auth=v3.Password(**localcloud.credentials()))
    project_id = localcloud.app.identity.store.find_project("demo").id
    assert session.get_endpoint(service_type="orchestration", interface="public") == (
        f"http://127.0.0.1:8004/v1/{project_id}"
    )


def test_admin_user(localcloud):
    session = ks_session.Session(auth=v3.Password(**localcloud.credentials(admin=True)))
    assert session.get_project_id() == localcloud.app.identity.store.find_project("admin").id
