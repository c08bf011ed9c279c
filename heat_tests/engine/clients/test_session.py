"""Sessions built from CloudCredentials authenticate against a real localcloud Keystone."""

from __future__ import annotations

import pytest

from heat.common.exception import InvalidInput
from heat.engine.clients.session import CloudCredentials, make_session


def test_password_session_gets_a_scoped_token(localcloud):
    session = make_session(CloudCredentials.from_dict(localcloud.credentials()))
    assert session.get_project_id() == localcloud.app.identity.store.find_project("demo").id
    assert session.get_endpoint(service_type="compute", interface="public") == (
        f"{localcloud.url}/compute/v2.1"
    )


def test_token_session_scoped_by_project_id(localcloud):
    password = make_session(CloudCredentials.from_dict(localcloud.credentials()))
    project_id = password.get_project_id()
    creds = CloudCredentials(
        auth_url=localcloud.auth_url, token=password.get_token(), project_id=project_id
    )
    session = make_session(creds)
    assert session.get_project_id() == project_id
    assert session.get_token() != password.get_token()


def test_tls_settings_and_secret_free_repr():
    creds = CloudCredentials(auth_url="https://cloud/v3", username="u", password="s3cret")
    assert make_session(creds).verify is True
    assert make_session(CloudCredentials("https://c/v3", "u", "p", cacert="/ca.pem")).verify == (
        "/ca.pem"
    )
    assert make_session(CloudCredentials("https://c/v3", "u", "p", insecure=True)).verify is False
    assert "s3cret" not in repr(creds)


def test_credentials_errors():
    with pytest.raises(InvalidInput) as raised:
        CloudCredentials.from_dict({"auth_url": "x", "user_name": "u"})
    assert raised.value.message == "unknown credential fields: user_name"
    with pytest.raises(InvalidInput) as raised:
        make_session(CloudCredentials(auth_url="x", username="u"))
    assert raised.value.message == "cloud credentials need a token, or a username and password"
