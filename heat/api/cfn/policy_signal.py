"""Scaling policy URLs on the CFN port: POST <policy URL> runs the policy.

    POST /v1/signal/<quoted arn:openstack:heat::<project>:stacks/<name>/<id>/resources/<policy>>
         ?Signature=...

The URL is the credential (the engine checks its signature against the policy's key; see
heat.api.cfn.presigned_url); anything wrong with it is 403 AccessDenied. Every other path
goes on to the next application (the wait condition router, the Query API).
"""

from __future__ import annotations

from heat.api.aws import errors
from heat.api.cfn.presigned_url import PresignedUrlRouter
from heat.engine.resources.aws.autoscaling import scaling_policy

BAD_URL = "The scaling policy URL is not valid (signature or policy)"


class ScalingPolicyRouter(PresignedUrlRouter):
    """Sends policy URLs to the engine's signal_scaling_policy and the rest to `app`."""

    prefix = scaling_policy.SIGNAL_PATH
    label = "scaling policy signal"

    def handle(self, environ, ctx, signature: str) -> None:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method != "POST":
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use POST")
        target = scaling_policy.parse_signal_path(environ["PATH_INFO"])
        if target is None:
            raise errors.AccessDenied(BAD_URL)
        self.engine.signal_scaling_policy(ctx, target[0], target[1], signature)
