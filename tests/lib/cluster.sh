# The scale-out tests' laboratory: a Ceph cluster (a monitor, a manager, one
# OSD on memstore, an MDS, a CephFS named "spool") and "hosts", each a
# network, mount, pid and UTS namespace of its own joined to the cluster by
# a veth pair on a bridge. Everything lives in namespaces the test makes
# (no address outside them is used) and under $T; the cluster and every
# host die with the test.
#
#   lab_enter "$@"        first line of a test: re-runs it as pid 1 of a new
#                         network, mount and pid namespace (the lab)
#   lab_up                the bridge (10.213.0.1) and the cluster, or the file ends
#   host_up NAME N        host NAME at 10.213.0.(10+N), CephFS mounted at $T/spool
#   host_run NAME CMD...  CMD in NAME's namespaces (nsenter; a child of it there)
#   host_kill NAME        SIGKILL to the host's pid 1: every process of it,
#                         its ceph-fuse included, dies at once (a host that
#                         lost power); its CephFS session stays until the MDS
#                         evicts it
#   view_up               the CephFS mounted at $T/view in the lab, to look at
#   lab_down              every host and daemon killed (the EXIT trap)

LAB_NET=10.213.0
LAB_ADDR=$LAB_NET.1

# lab_enter "$@": before common.sh (which makes $T), so that $T is made in the lab
lab_enter() {
	[ -n "${RETRACE_LAB:-}" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP the cluster lab needs root (namespaces, a bridge, ceph-fuse)"
		exit 0
	fi
	exec env RETRACE_LAB=1 unshare --net --mount --pid --fork --kill-child --mount-proc \
		--propagation private -- /bin/bash "$0" "$@"
}

ceph_conf() { # ceph_conf DIR ADDR
	cat <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon_host = [v2:$2:3300]
public_addr = $2
cluster_addr = $2
ms_bind_msgr1 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $1/keyring
run_dir = $1/run
log_file = $1/log/\$name.log
mon_data = $1/mon.\$id
mgr_data = $1/mgr.\$id
osd_data = $1/osd.\$id
mds_data = $1/mds.\$id
mon_cluster_log_file = $1/log/cluster.log
crash_dir = $1/crash
# one OSD holds the only copy
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
# the machine's disk is shared with everything else: no health warning for it
mon_data_avail_warn = 1
paxos_propose_interval = 0.1
osd_objectstore = memstore
memstore_device_bytes = 2147483648
# the MDS journal's tick: two clients on one directory wait for it (5 s by default)
mds_tick_interval = 0.1
[mon]
pid_file = $1/run/\$name.pid
[mgr]
pid_file = $1/run/\$name.pid
[osd]
pid_file = $1/run/\$name.pid
[mds]
pid_file = $1/run/\$name.pid
[client]
log_file = $1/log/\$name.\$pid.log
EOF
}

# ceph_start DIR ADDR: the cluster, its CephFS "spool" ready (the MDS
# active, the data pool writable), a dead client's session evicted after 30 s
ceph_start() {
	local d=$1 a=$2 c="ceph -c $1/ceph.conf" uuid id i
	mkdir -p "$d"/run "$d"/log "$d"/mgr.x "$d"/osd.0 "$d"/mds.a
	ceph_conf "$d" "$a" >"$d/ceph.conf"
	ceph-authtool --create-keyring "$d/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
		ceph-authtool --create-keyring "$d/keyring" --gen-key -n client.admin \
			--cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null &&
		ceph-authtool "$d/mon.keyring" --import-keyring "$d/keyring" >/dev/null &&
		monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$d/ceph.conf")" \
			--addv a "[v2:$a:3300]" "$d/monmap" >/dev/null &&
		ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" --keyring "$d/mon.keyring" &&
		ceph-mon -c "$d/ceph.conf" -i a &&
		timeout 60 $c status >/dev/null || return 1
	$c auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' >>"$d/keyring" &&
		$c auth get-or-create osd.0 mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' >>"$d/keyring" &&
		$c auth get-or-create mds.a mon 'allow profile mds' mgr 'allow profile mds' osd 'allow rwx' mds 'allow' >>"$d/keyring" &&
		ceph-mgr -c "$d/ceph.conf" -i x || return 1
	uuid=$(cat /proc/sys/kernel/random/uuid)
	id=$($c osd new "$uuid") && [ "$id" = 0 ] &&
		ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$uuid" >"$d/log/osd-mkfs.out" 2>&1 &&
		ceph-osd -c "$d/ceph.conf" -i 0 &&
		ceph-mds -c "$d/ceph.conf" -i a >/dev/null &&
		$c osd pool create spool_meta 8 >/dev/null 2>&1 &&
		$c osd pool create spool_data 8 >/dev/null 2>&1 &&
		$c fs new spool spool_meta spool_data >/dev/null 2>&1 &&
		$c fs set spool session_timeout 30 >/dev/null 2>&1 &&
		$c fs set spool session_autoclose 30 >/dev/null 2>&1 || return 1
	for i in $(seq 1 300); do
		$c fs status spool -f json 2>/dev/null | grep -q '"state": "active"' && break
		sleep 0.2
	done
	$c fs status spool -f json 2>/dev/null | grep -q '"state": "active"' || return 1
	# a write to the data pool succeeds once its placement groups are active
	echo probe >"$d/probe"
	timeout 60 rados -c "$d/ceph.conf" -p spool_data put probe "$d/probe" &&
		rados -c "$d/ceph.conf" -p spool_data rm probe
}

LAB_HOSTS=
lab_up() {
	ip link set lo up &&
		ip link add br0 type bridge &&
		ip addr add "$LAB_ADDR/24" dev br0 &&
		ip link set br0 up
	fixture $? "the lab's bridge at $LAB_ADDR"
	CEPH=$T/ceph
	local t0=$SECONDS
	ceph_start "$CEPH" "$LAB_ADDR" >"$T/ceph-start.out" 2>&1
	fixture $? "a Ceph cluster (mon, mgr, memstore OSD, MDS) with a CephFS, in $((SECONDS - t0)) s" \
		"$T/ceph-start.out"
	mkdir -p "$T/spool" "$T/view"
}

# host_up NAME N: the host's namespaces, its address, the CephFS at $T/spool
host_up() {
	local n=$1 u pid
	unshare --net --mount --pid --uts --fork --mount-proc --propagation private -- sleep infinity 2>/dev/null &
	u=$!
	for _ in $(seq 1 50); do
		pid=$(pgrep -P "$u" sleep) && break
		sleep 0.1
	done
	[ -n "$pid" ] || return 1
	eval "HOST_$n=$pid"
	LAB_HOSTS="$LAB_HOSTS $n"
	ip link add "v$n" type veth peer name eth0 netns "$pid" &&
		ip link set "v$n" master br0 up &&
		nsenter -t "$pid" -n -u sh -c "hostname $n && ip link set lo up &&
			ip addr add $LAB_NET.$((10 + $2))/24 dev eth0 && ip link set eth0 up" &&
		host_run "$n" timeout 60 ceph-fuse -c "$CEPH/ceph.conf" -n client.admin --client_fs spool \
			"$T/spool" >"$T/fuse-$n.out" 2>&1
}

host_pid() { eval "echo \${HOST_$1:-}"; }

host_run() {
	local pid
	pid=$(host_pid "$1")
	shift
	nsenter -t "$pid" -n -m -p -u --wd="$PWD" -- "$@"
}

host_kill() {
	local pid
	pid=$(host_pid "$1")
	[ -n "$pid" ] || return 1
	kill -KILL "$pid"
	eval "HOST_$1="
}

# view_up: the CephFS at $T/view in the lab itself (after the hosts: they
# must not inherit this mount)
view_up() {
	timeout 60 ceph-fuse -c "$CEPH/ceph.conf" -n client.admin --client_fs spool "$T/view" \
		>"$T/fuse-view.out" 2>&1
}

# lab_down: every host, then the daemons; $T is removed by common.sh's cleanup
lab_down() {
	local n f
	for n in $LAB_HOSTS; do
		[ -n "$(host_pid "$n")" ] && host_kill "$n"
	done
	umount -l "$T/view" 2>/dev/null
	for f in "${CEPH:-/nonexistent}"/run/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	pkill -KILL ceph-fuse 2>/dev/null
	return 0
}
