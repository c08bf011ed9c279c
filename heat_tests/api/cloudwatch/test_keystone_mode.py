"""heat-api-cloudwatch with auth_mode = keystone: signatures are checked by Keystone's
ec2tokens (a stand-in computing them with Keystone's own Ec2Signer), for boto3 (AWS JSON)
and for the real cfn-push-stats (boto 2, Query protocol, SigV4 scoped to the host's label)."""

from __future__ import annotations

import os

import pytest
from oslo_config import cfg

from heat.api.cloudwatch import app as cloudwatch_app
from heat.api.middleware import auth as auth_mw
from heat.api.server import HttpServer
from heat.common.context import RequestContext
from heat_tests.api.cloudwatch.conftest import client
from heat_tests.api.cloudwatch.test_api import error_of
from heat_tests.api.cloudwatch.test_push_stats import CFN_PUSH_STATS, push_stats, served_on_8003
from heat_tests.fixtures.ec2_keys import Key
from heat_tests.fixtures.keystone_ec2 import keystone_ec2  # noqa: F401

ALICE = Key("a1ice0000000000000000000000000ac", "alice-secret-in-keystone", "keystone-project")


@pytest.fixture
def keystone_app(engine_client, store, keystone_ec2):  # noqa: F811
    """heat-api-cloudwatch's app in keystone mode, as make_app builds it from configuration."""
    keystone_ec2.add(ALICE.access_key, ALICE.secret, project_id=ALICE.project_id, user_id="al")
    conf = cfg.ConfigOpts()
    conf.register_opts(auth_mw.OPTS)
    conf.register_opts(cloudwatch_app.OPTS, group=cloudwatch_app.GROUP)
    conf(args=[], default_config_files=[])
    conf.set_override("auth_mode", "keystone")
    conf.set_override("ec2_auth_url", f"{keystone_ec2.url}/v3", group=cloudwatch_app.GROUP)
    return cloudwatch_app.make_app(engine_client, store, conf)


def test_boto3_with_keys_keystone_knows(keystone_app, engine, keystone_ec2):  # noqa: F811
    server = HttpServer(keystone_app, "127.0.0.1", 0, name="cloudwatch").start()
    try:
        cw = client(server, ALICE)
        cw.put_metric_data(Namespace="test/app", MetricData=[{"MetricName": "Load", "Value": 1}])
        forged = client(server, ALICE, secret="not-alice-secret")
        refused = error_of(lambda: forged.list_metrics())
    finally:
        server.stop()
    # The data belongs to the project of Keystone's token.
    [series] = engine.list_metrics(RequestContext(ALICE.project_id, "al"), namespace="test/app")
    assert series["MetricName"] == "Load"
    assert refused[:2] == (403, "SignatureDoesNotMatch")
    assert {r["access"] for r in keystone_ec2.requests} == {ALICE.access_key}


@pytest.mark.skipif(not os.path.exists(CFN_PUSH_STATS), reason="heat-cfntools is not installed")
def test_the_real_cfn_push_stats(tmp_path, keystone_app, engine):
    with served_on_8003(keystone_app) as host:
        done, log = push_stats(
            tmp_path, host, ALICE, *("--metric", "Load", "--units", "Count", "--value", "7.5")
        )
        assert (done.returncode, done.stderr) == (0, ""), log
        wrong = Key(ALICE.access_key, "not-alice-secret", ALICE.project_id)
        refused, log = push_stats(tmp_path, host, wrong, "--heartbeat")
    [series] = engine.list_metrics(RequestContext(ALICE.project_id, "al"))
    assert series["MetricName"] == "Load"
    assert refused.returncode != 0
    assert "SignatureDoesNotMatch" in refused.stderr + log
