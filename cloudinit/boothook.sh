#!/bin/sh
# Heat's cloud-boothook: cloud-init runs it early on every boot, before the part handler
# writes the stack's data. The user data and metadata saved in /var/lib/heat-cfntools
# often hold passwords, so the directory must exist as root's alone, including when the
# image shipped it (or an earlier boot left it) with a looser mode.
#
# On failure cloud-init logs this script's exit status and stderr and carries on booting,
# so failing loudly costs nothing and leaves a trace in /var/log/cloud-init.log.
set -eu
umask 077
mkdir -p /var/lib/heat-cfntools
chown root:root /var/lib/heat-cfntools
chmod 0700 /var/lib/heat-cfntools
