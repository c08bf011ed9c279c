"""haproxy.cfg for a load balancer server, as Heat's AWS::ElasticLoadBalancing wrote it.

A pure function of the load balancer's Listeners and HealthCheck and the members' addresses:
the first listener's LoadBalancerPort is the front end, its InstancePort the members' port,
and the health check becomes haproxy's check interval, fall and rise counts.
"""

from __future__ import annotations

GLOBAL = """global
    daemon
    maxconn 256
    stats socket /tmp/.haproxy-stats

defaults
    mode http
    timeout connect 5000ms
    timeout client 50000ms
    timeout server 50000ms
"""


def config(listeners: list[dict], health_check: dict | None, addresses: list[str]) -> str:
    """The whole haproxy.cfg; `addresses` are the members' IPs in member order."""
    listener = listeners[0]
    mode = "tcp" if str(listener.get("Protocol", "HTTP")).upper() == "TCP" else "http"
    lines = [
        GLOBAL,
        "frontend http",
        f"    bind *:{listener['LoadBalancerPort']}",
        f"    mode {mode}",
        "    default_backend servers",
        "",
        "backend servers",
        "    balance roundrobin",
    ]
    if mode == "http":
        lines += ["    option http-server-close", "    option forwardfor", "    option httpchk"]
    check = ""
    if health_check:
        lines.append(f"    timeout check {int(health_check['Timeout'])}s")
        check = (
            f" check inter {health_check['Interval']}s fall "
            f"{health_check['UnhealthyThreshold']} rise {health_check['HealthyThreshold']}"
        )
    port = listener["InstancePort"]
    for number, address in enumerate(addresses, start=1):
        lines.append(f"    server server{number} {address}:{port}{check}")
    return "\n".join(lines) + "\n"
