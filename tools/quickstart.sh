#!/usr/bin/env bash
# The quick start's one command: set up, start heat-all on the embedded defaults (SQLite and
# localcloud in a state directory), create the WordPress_Single_Instance demo stack with the
# heat CLI, wait for it while printing its events, print its resources and outputs, and stop
# heat-all. The state (and the stack) stays in the state directory for the next start.
#   tools/quickstart.sh [STATE_DIR]      (default: ~/.local/share/heat/quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/heat_all.sh

tools/setup.sh
state=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/heat/quickstart}
template=examples/WordPress_Single_Instance.template
mkdir -p "$state"
log=$state/heat-all.log

echo "== heat template-validate --offline -f $template"
.venv/bin/heat template-validate --offline -f "$template" >/dev/null && echo "valid"

echo "== starting heat-all (state in $state, log in $log)"
# Ephemeral ports, so a busy 8004/8000/5000 cannot stop the demo; heatrc names the real ones.
start_heat_all "$state" "$log" "heat-all stopped" --api-port 0 --cfn-port 0 --localcloud-port 0

# The template's KeyName must name an existing key pair: make one in localcloud's Nova.
.venv/bin/python - <<'PY'
import os

from keystoneauth1 import session
from keystoneauth1.identity import v3
from novaclient import client

auth = v3.Password(
    auth_url=os.environ["OS_AUTH_URL"],
    username=os.environ["OS_USERNAME"],
    password=os.environ["OS_PASSWORD"],
    project_name=os.environ["OS_PROJECT_NAME"],
    user_domain_name=os.environ["OS_USER_DOMAIN_NAME"],
    project_domain_name=os.environ["OS_PROJECT_DOMAIN_NAME"],
)
nova = client.Client("2.1", session=session.Session(auth=auth))
if "demo" not in [k.name for k in nova.keypairs.list()]:
    nova.keypairs.create("demo")
    print("== created key pair demo")
PY

if .venv/bin/heat stack-show wordpress >/dev/null 2>&1; then
    echo "== heat stack-delete -y --wait wordpress   (left by an earlier run)"
    .venv/bin/heat stack-delete -y --wait wordpress
fi
echo "== heat stack-create wordpress -f $template -P \"KeyName=demo;DBPassword=...\" --wait"
.venv/bin/heat stack-create wordpress -f "$template" \
    -P "KeyName=demo;InstanceType=m1.small;DBUsername=wpuser;DBPassword=wpsecret;DBRootPassword=rootsecret" \
    --wait
echo "== heat resource-list wordpress"
.venv/bin/heat resource-list wordpress
echo "== heat output-list wordpress"
.venv/bin/heat output-list wordpress
