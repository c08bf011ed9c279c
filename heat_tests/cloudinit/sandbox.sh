#!/bin/sh
# Runs real cloud-init stages confined to a throwaway sandbox. Started by the test as
#   unshare --mount --uts --ipc --net --pid --fork --mount-proc sh sandbox.sh SANDBOX HOST_MNT_NS
# (HOST_MNT_NS: readlink /proc/self/ns/mnt of the caller).
# SANDBOX holds seed/ (user-data, meta-data), cloud.cfg, stubs/ and receives every write:
# /etc, /var, /home, /root, /opt and /usr/share become overlays whose upper layers live in
# SANDBOX/overlay/<dir>/upper, so the host's files are never written. The UTS namespace
# keeps hostname changes private and the empty network namespace keeps cloud-init (and the
# user data's scripts) off the network. Any failed step aborts before cloud-init runs.
set -eu
sandbox=$1
host_mnt_ns=$2

# Refuse to go on unless this really is a private mount namespace: every later write
# depends on it.
[ "$(readlink /proc/self/ns/mnt)" != "$host_mnt_ns" ] || { echo "not in a new mount namespace" >&2; exit 90; }
mount --make-rprivate /

for dir in etc var home root opt usr/share; do
    name=$(echo "$dir" | tr / _)
    mkdir -p "$sandbox/overlay/$name/upper" "$sandbox/overlay/$name/work"
    mount -t overlay "heat-test-$name" \
        -o "lowerdir=/$dir,upperdir=$sandbox/overlay/$name/upper,workdir=$sandbox/overlay/$name/work" "/$dir"
    [ "$(findmnt -n -o FSTYPE --mountpoint "/$dir")" = overlay ] || { echo "/$dir is not an overlay" >&2; exit 91; }
done
mount -t tmpfs heat-test-run /run
# cloud-init copies some messages to the console; keep them off the host's.
mount --bind /dev/null /dev/console

# Start from a never-booted instance even if the host has cloud-init state of its own;
# these removals only leave whiteouts in the overlays' upper layers.
rm -rf /var/lib/cloud /var/lib/heat-cfntools /var/log/cloud-init.log \
    /var/log/cloud-init-output.log /var/log/heat-provision.log
mkdir -p /var/lib/cloud/seed/nocloud
cp "$sandbox/seed/user-data" "$sandbox/seed/meta-data" /var/lib/cloud/seed/nocloud/
cp "$sandbox/cloud.cfg" /etc/cloud/cloud.cfg
# Files the WordPress UserData edits, and the cfn-init it calls (heat-cfntools is not
# installed here; the stub records the call).
if [ -d "$sandbox/files" ]; then cp -a "$sandbox/files/." /; fi

cd /
cloud-init init --local
cloud-init init
cloud-init modules --mode config
# The user data's own commands (mysql, systemctl, ...) resolve to recording stubs first.
PATH="$sandbox/stubs:$PATH" cloud-init modules --mode final
hostname > "$sandbox/sandbox-hostname"
