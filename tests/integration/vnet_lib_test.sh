#! /usr/bin/env atf-sh
# The vnet library (src/lib/vnet_*.c) against the kernel, through the
# small driver vnet_lib_drv.c: vnet.interface hand-over and its pinned
# namespace, declarative networking (bridge, epair, addresses, routes),
# NAT and port forwarding in nftables, teardown from recorded state.
#
# Nothing here touches the machine's own network: every case makes a
# namespace H that plays the host (the driver joins it with -H, so the
# bridge, the epair host ends, vjail's nft table and the forwarding
# sysctls all live there), plus namespaces for jails and for an
# "outside" machine behind an uplink of H.

. "$(atf_get_srcdir)/vjail.subr"

# ---- helpers ----------------------------------------------------------------

vn_init()
{
    vj_require_root
    command -v ip >/dev/null || atf_skip "ip (iproute2) is not installed"
    command -v nft >/dev/null || atf_skip "nft is not installed"
    local b
    b=$(vj_builddir)
    [ -f "$b/libvjail.a" ] || atf_fail "$b/libvjail.a: not built"
    # Same compiler and flags as the build (ASan too), from its stamp.
    (cd "$(vj_srcroot)" && $(cat "$b/.flags") -o "$OLDPWD/drv" \
        tests/integration/vnet_lib_drv.c "$b/libvjail.a" \
        $(pkg-config --libs libseccomp libcap libmnl libnftables)) ||
        atf_fail "cannot build vnet_lib_drv"
    mkdir -p run
    H=$(vn_ns h)
    vn_scripts
    ip -n "$(basename "$H")" link set lo up
    vn_snapshot before
}

# A namespace owned by this case; prints its file.
vn_ns()
{
    local n
    n="$(vj_name "$1")"
    ip netns add "$n" || atf_fail "ip netns add $n"
    echo "$n" >> netns.list
    echo "/run/netns/$n"
}

vn_name() { basename "$1"; }

# Scripts (atf_check runs programs, not shell functions):
#   ./d ARGS          the driver acting in H, with its run directory here
#   ./nsx NS CMD...   run CMD in the namespace whose file is NS (exec: a
#                     background ./nsx's pid is CMD's)
#   ./ask NS PROTO HOST PORT   the answer of vn_server's service, from NS
vn_scripts()
{
    printf '#!/bin/sh\nexec "%s/drv" -H "%s" -r "%s/run" "$@"\n' "$PWD" "$H" "$PWD" > d
    printf '#!/bin/sh\nns=$(basename "$1"); shift\nexec ip netns exec "$ns" "$@"\n' > nsx
    printf '#!/bin/sh\n"%s/nsx" "$1" python3 "%s/cli.py" "$2" "$3" "$4" 2>&1 | tail -1\n' \
        "$PWD" "$PWD" > ask
    chmod +x d nsx ask
}

# What H has: links, addresses, routes, nft tables, forwarding sysctls.
vn_snapshot()
{
    local n
    n=$(vn_name "$H")
    # Carrier is the kernel's: a bridge that never had a port is UNKNOWN,
    # one whose last port left is DOWN, and it gets its IPv6 link-local
    # address with its first carrier.  Compare everything else.
    {
        ip -n "$n" -br link
        ip -n "$n" -br addr
        ip -n "$n" route
        ip -n "$n" -6 route
        ip netns exec "$n" nft list tables
        ip netns exec "$n" sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
        ip netns exec "$n" sh -c 'grep -H . /proc/sys/net/ipv4/conf/vjt*/route_localnet'
    } 2>&1 | sed -E 's/@[^ ]*//; s/ +(UP|DOWN|UNKNOWN|LOWERLAYERDOWN) +/ /; s/NO-CARRIER,//;
        s/,LOWER_UP//; s/ linkdown//; s/ fe80::[^ ]*//; /^fe80::\/64 /d' > "snap.$1"
}

vn_same_as_before()
{
    vn_snapshot after
    if ! diff -u snap.before snap.after; then
        atf_fail "teardown left H different from before (diff above)"
    fi
    [ -z "$(ls run | grep -v '^lock$' | grep -v '\.st$')" ] || atf_fail "run dir: $(ls run)"
}

vn_cleanup()
{
    local n
    [ -f netns.list ] || return 0
    # Processes started in our namespaces.
    [ -f pids ] && while read -r n; do kill "$n" 2>/dev/null; done < pids
    while read -r n; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done < netns.list
    rm -f netns.list
    vj_cleanup
}

# Wait until process $1 has its own network namespace (unshare done).
vn_wait_netns()
{
    local i
    for i in $(seq 50); do
        [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
            [ "$(readlink "/proc/$1/ns/net")" != "$(./nsx "$H" readlink /proc/self/ns/net)" ] &&
            return 0
        sleep 0.1
    done
    atf_fail "process $1 did not get its own network namespace"
}

# Wait until an IPv6 address has finished duplicate address detection.
vn_dad_wait()
{
    local i
    for i in $(seq 50); do
        ./nsx "$1" ip -6 addr show tentative | grep -q inet6 || return 0
        sleep 0.1
    done
}

# A TCP and UDP echo-who service on ports 80 and 53 (IPv4 and IPv6) in a
# namespace: answers "tcp from ADDR" / "udp from ADDR".
vn_server()
{
    command -v python3 >/dev/null || atf_skip "python3 is not installed"
    cat > srv.py <<'EOF'
import socket, select
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for typ, port in ((socket.SOCK_STREAM, 80), (socket.SOCK_DGRAM, 53)):
        s = socket.socket(fam, typ)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        if typ == socket.SOCK_STREAM:
            s.listen(8)
        socks.append(s)
open("srv.ready", "w").close()
while True:
    r, _, _ = select.select(socks, [], [], 60)
    if not r:
        break
    for s in r:
        if s.type == socket.SOCK_STREAM:
            c, a = s.accept(); c.sendall(("tcp from %s\n" % a[0]).encode()); c.close()
        else:
            d, a = s.recvfrom(100); s.sendto(("udp from %s\n" % a[0]).encode(), a)
EOF
    cat > cli.py <<'EOF'
import socket, sys
proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(3)
if proto == "tcp":
    s.connect((host, port)); print(s.recv(100).decode().strip())
else:
    s.sendto(b"x", (host, port)); print(s.recvfrom(100)[0].decode().strip())
EOF
    rm -f srv.ready
    ././nsx "$1" python3 srv.py &
    echo $! >> pids
    local i
    for i in $(seq 50); do [ -f srv.ready ] && return 0; sleep 0.1; done
    atf_fail "test server did not start"
}


# ---- vnet.interface ------------------------------------------------------

atf_test_case interfaces cleanup
interfaces_head() { atf_set descr "vnet.interface moves in, back, idempotently, nothing half-made"; }
interfaces_body()
{
    vn_init
    local j hn idx
    j=$(vn_ns j)
    hn=$(vn_name "$H")
    ip -n "$hn" link add vjtva type veth peer name vjtvb || atf_fail "veth"
    ip -n "$hn" link add vjtwa type veth peer name vjtd0 || atf_fail "veth"
    atf_check -o empty -e empty ./d movein "$j" vjtvb vjtd0
    atf_check -o match:"^vjtvb" -o match:"^vjtd0" ./nsx "$j" ip -br link
    atf_check -s exit:1 -o ignore -e ignore ip -n "$hn" link show vjtd0
    atf_check ./nsx "$j" ip addr add 192.0.2.9/24 dev vjtvb
    atf_check -o empty -e empty ./d return "$j" vjtvb vjtd0
    atf_check -o inline:"lo\n" sh -c "ip -n $(vn_name "$j") -br link | awk '{print \$1}'"
    # again: nothing left to return, still fine
    atf_check -o empty -e empty ./d return "$j" vjtvb vjtd0
    # the addresses given in the jail went with it (FreeBSD does the same)
    ip -n "$hn" -br addr | grep -q 192.0.2.9 && atf_fail "address survived the return"
    # the host has taken the name meanwhile: it comes back renamed
    atf_check ./d movein "$j" vjtvb
    ip -n "$hn" link add vjtvb type veth peer name vjtvc || atf_fail "veth"
    idx=$(./nsx "$j" cat /sys/class/net/vjtvb/ifindex)
    atf_check -s exit:1 -o empty \
        -e inline:"vnet_lib_drv: vnet.interface: vjtvb: the host has an interface of that name, returned as vjr$idx\n" \
        ./d return "$j" vjtvb
    atf_check -o match:"^vjr$idx" ip -n "$hn" -br link
    ip -n "$hn" link del vjtvb
    ip -n "$hn" link set "vjr$idx" name vjtvb
    # a missing interface: the error names it, and nothing stays moved
    atf_check -s exit:1 -o empty \
        -e inline:"vnet_lib_drv: vnet.interface: vjtnone: move to namespace: No such device\n" \
        ./d movein "$j" vjtvb vjtnone vjtd0
    atf_check -o inline:"lo\n" sh -c "ip -n $(vn_name "$j") -br link | awk '{print \$1}'"
    atf_check -o match:"^vjtvb" -o match:"^vjtd0" ip -n "$hn" -br link
    ip -n "$hn" link del vjtva
    ip -n "$hn" link del vjtwa
    vn_same_as_before
}
interfaces_cleanup() { vn_cleanup; }

atf_test_case pinned_netns cleanup
pinned_netns_head() { atf_set descr "a pinned namespace outlives its processes; interfaces come back through it"; }
pinned_netns_body()
{
    vn_init
    local hn pid
    hn=$(vn_name "$H")
    ip -n "$hn" link add vjtva type veth peer name vjtvb || atf_fail "veth"
    # the "supervisor": a process in its own network namespace
    # (ip netns exec and unshare exec, so $! ends up being sleep)
    ./nsx "$H" unshare --net sleep 60 &
    pid=$!
    echo $pid >> pids
    vn_wait_netns "$pid"
    atf_check -o empty -e empty ./drv pin "$pid" "$PWD/netns"
    atf_check -o empty -e empty ./drv pin "$pid" "$PWD/netns"   # again: no-op
    atf_check -o empty -e empty ./d movein "$PWD/netns" vjtvb
    # the supervisor is SIGKILLed: the pinned namespace keeps vjtvb alive
    kill -9 "$pid"
    sleep 0.3
    atf_check -o match:"^vjtvb" nsenter --net="$PWD/netns" ip -br link
    atf_check -o empty -e empty ./d return "$PWD/netns" vjtvb
    atf_check -o match:"^vjtvb" ip -n "$hn" -br link
    atf_check -o empty -e empty ./drv unpin "$PWD/netns"
    [ -e netns ] && atf_fail "netns file left"
    atf_check -o empty -e empty ./drv unpin "$PWD/netns"      # again: fine
    # why it matters: without the return, the veth dies with the namespace
    ./nsx "$H" unshare --net sleep 60 &
    pid=$!
    echo $pid >> pids
    vn_wait_netns "$pid"
    atf_check ./drv pin "$pid" "$PWD/netns"
    atf_check ./d movein "$PWD/netns" vjtvb
    kill -9 "$pid"
    atf_check ./drv unpin "$PWD/netns"
    for i in $(seq 30); do
        ip -n "$hn" link show vjtva >/dev/null 2>&1 || break
        sleep 0.1
    done
    atf_check -s exit:1 -e ignore ip -n "$hn" link show vjtva
    vn_same_as_before
}
pinned_netns_cleanup() { vn_cleanup; }

# ---- declarative networking ------------------------------------------------

# Two jails on vjtbr0 (created by vjail), web with NAT and forwards.
vn_two_jails()
{
    J1=$(vn_ns web)
    J2=$(vn_ns db)
    atf_check -o empty -e empty ./d setup run/web.st "$J1" 9101 name=web vnet.bridge=vjtbr0 \
        vnet.bridge.addr=10.77.0.1/24 vnet.bridge.addr=fd77::1/64 \
        vnet.addr=10.77.0.2/24 vnet.addr=fd77::2/64 vnet.nat \
        vnet.forward=tcp/8080:80 vnet.forward=udp/5353:53
    atf_check -o empty -e empty ./d setup run/db.st "$J2" 9102 name=db vnet.bridge=vjtbr0 \
        vnet.addr=10.77.0.3/24 vnet.gateway=10.77.0.1
}

atf_test_case setup_links cleanup
setup_links_head() { atf_set descr "bridge, epair, names, altname, MAC, addresses, routes"; }
setup_links_body()
{
    vn_init
    local hn mac
    hn=$(vn_name "$H")
    vn_two_jails
    # the bridge vjail made: up, its gateway addresses, marked
    atf_check -o match:"UP" -o match:"10.77.0.1/24" -o match:"fd77::1/64" \
        ip -n "$hn" -br addr show vjtbr0
    atf_check -o match:"alias created by vjail" ip -n "$hn" link show vjtbr0
    # host ends: on the bridge, up, altname carrying the jail name
    atf_check -o match:"master vjtbr0 state UP" -o match:"altname jail.web" \
        ip -n "$hn" link show vj9101a
    atf_check -o match:"master vjtbr0 state UP" ip -n "$hn" link show jail.db
    # jail end: eth0 inside the jail only, lo up, addresses, routes
    atf_check -o match:"^eth0@" -o match:"^lo .*UNKNOWN" ./nsx "$J1" ip -br link
    atf_check -o match:"10.77.0.2/24" -o match:"fd77::2/64" ./nsx "$J1" ip -br addr show eth0
    atf_check -o match:"^default via 10.77.0.1 dev eth0" ./nsx "$J1" ip route
    atf_check -o match:"^default via fd77::1 dev eth0" ./nsx "$J1" ip -6 route
    atf_check -o match:"^default via 10.77.0.1 dev eth0" ./nsx "$J2" ip route
    atf_check -o empty ./nsx "$J2" ip -6 route show default
    # the MAC is derived from the jail name: same again after a new setup
    mac=$(./nsx "$J1" cat /sys/class/net/eth0/address)
    case $mac in
    ?[26ae]:*) ;;
    *) atf_fail "$mac: not locally administered unicast" ;;
    esac
    atf_check ./d teardown run/web.st
    atf_check -s exit:1 -e ignore ./nsx "$J1" ip link show eth0
    atf_check ./d setup run/web.st "$J1" 9101 name=web vnet.bridge=vjtbr0 vnet.addr=10.77.0.2/24
    atf_check -o inline:"$mac\n" ./nsx "$J1" cat /sys/class/net/eth0/address
    # the recorded state
    atf_check -o match:"^host vj9101a$" -o match:"^jail eth0$" -o match:"^bridge vjtbr0$" \
        -o match:"^mac $mac$" cat run/web.st
    atf_check ./d teardown run/web.st
    atf_check ./d teardown run/db.st
    vn_same_as_before
}
setup_links_cleanup() { vn_cleanup; }

atf_test_case traffic cleanup
traffic_head() { atf_set descr "real traffic: jail to jail, gateway, NAT out, port forwards in"; }
traffic_body()
{
    vn_init
    local hn out
    hn=$(vn_name "$H")
    # an outside machine behind H's uplink
    out=$(vn_ns out)
    ip -n "$hn" link add vjtup0 type veth peer name vjtup1 netns "$(vn_name "$out")" ||
        atf_fail "uplink"
    ip -n "$hn" addr add 192.0.2.1/24 dev vjtup0
    ip -n "$hn" link set vjtup0 up
    ./nsx "$out" ip addr add 192.0.2.2/24 dev vjtup1
    ./nsx "$out" ip link set vjtup1 up
    ./nsx "$out" ip link set lo up
    vn_snapshot before
    vn_two_jails
    vn_dad_wait "$J1"
    vn_dad_wait "$H"
    # ping: jail to jail, to the gateway, IPv6 to the gateway
    atf_check -o ignore ./nsx "$J2" busybox ping -c 1 -W 2 10.77.0.2
    atf_check -o ignore ./nsx "$J1" busybox ping -c 1 -W 2 10.77.0.1
    atf_check -o ignore ./nsx "$J1" busybox ping6 -c 1 -W 2 fd77::1
    # TCP jail to jail
    vn_server "$J1"
    atf_check -o inline:"tcp from 10.77.0.3\n" ./ask "$J2" tcp 10.77.0.2 80
    # NAT: the outside machine has no route back to 10.77/24, it sees H
    vn_server "$out"
    atf_check -o inline:"tcp from 192.0.2.1\n" ./ask "$J1" tcp 192.0.2.2 80
    atf_check -o inline:"udp from 192.0.2.1\n" ./ask "$J1" udp 192.0.2.2 53
    # db has no vnet.nat: it does not get out
    atf_check -o match:"timed out|unreachable" ./ask "$J2" tcp 192.0.2.2 80
    # forwards: from the outside, from H's own localhost (v4), from H's
    # own IPv6 address, from the other jail through the gateway
    atf_check -o inline:"tcp from 192.0.2.2\n" ./ask "$out" tcp 192.0.2.1 8080
    atf_check -o inline:"udp from 192.0.2.2\n" ./ask "$out" udp 192.0.2.1 5353
    atf_check -o inline:"tcp from 10.77.0.1\n" ./ask "$H" tcp 127.0.0.1 8080
    atf_check -o inline:"udp from 10.77.0.1\n" ./ask "$H" udp 127.0.0.1 5353
    atf_check -o inline:"tcp from fd77::1\n" ./ask "$H" tcp fd77::1 8080
    atf_check -o inline:"udp from fd77::1\n" ./ask "$H" udp fd77::1 5353
    atf_check -o inline:"tcp from 10.77.0.1\n" ./ask "$J2" tcp 10.77.0.1 8080
    # forwarding was switched on for this, and is restored afterwards
    atf_check -o inline:"1\n" ./nsx "$H" cat /proc/sys/net/ipv4/ip_forward
    atf_check -o inline:"1\n" ./nsx "$H" cat /proc/sys/net/ipv4/conf/vjtbr0/route_localnet
    # route_localnet does not open H's localhost to the jails
    # (db sends to 127.0.0.5 through the gateway once its own 127/8 is
    # no longer local; route_localnet lets its kernel send such packets,
    # as raw sockets would)
    ./nsx "$H" busybox nc -ll -p 9999 -e /bin/echo leak &
    echo $! >> pids
    ./nsx "$J2" ip route del local 127.0.0.0/8 dev lo table local
    ./nsx "$J2" ip route add 127.0.0.0/8 via 10.77.0.1
    ./nsx "$J2" sysctl -q -w net.ipv4.conf.eth0.route_localnet=1
    atf_check -o not-match:leak -e ignore -s ignore ./nsx "$J2" busybox nc -w 2 127.0.0.5 9999
    # teardown: web first (the bridge stays for db), then db
    atf_check -o empty -e empty ./d teardown run/web.st
    atf_check -o match:"vjtbr0" ip -n "$hn" -br link
    atf_check -o empty -e empty ./d teardown run/db.st
    atf_check -o empty -e empty ./d teardown run/db.st      # twice: fine
    atf_check -o empty -e empty ./d teardown run/web.st
    vn_same_as_before
}
traffic_cleanup() { vn_cleanup; }

atf_test_case rules_per_jail cleanup
rules_per_jail_head() { atf_set descr "each jail's nft rules go with it; the table with the last"; }
rules_per_jail_body()
{
    vn_init
    local hn
    hn=$(vn_name "$H")
    # somebody else's table in H: never touched
    ip netns exec "$hn" nft add table inet other
    ip netns exec "$hn" nft add chain inet other c
    ip netns exec "$hn" nft add rule inet other c counter comment '"vjail 9101 web"'
    vn_snapshot before
    vn_two_jails
    J3=$(vn_ns x)
    atf_check ./d setup run/x.st "$J3" 9103 name=x vnet.bridge=vjtbr0 vnet.addr=10.77.0.4/24 \
        vnet.nat vnet.forward=9000:80
    atf_check -o match:'comment "vjail 9101 web"' -o match:'comment "vjail 9103 x"' \
        ip netns exec "$hn" nft list table inet vjail
    atf_check ./d teardown run/web.st
    atf_check -o not-match:'vjail 9101' -o match:'comment "vjail 9103 x"' \
        ip netns exec "$hn" nft list table inet vjail
    atf_check -o inline:"1\n" ./nsx "$H" cat /proc/sys/net/ipv4/ip_forward
    atf_check ./d teardown run/x.st
    atf_check -o inline:"table inet other\n" ip netns exec "$hn" nft list tables
    atf_check -o match:'comment "vjail 9101 web"' ip netns exec "$hn" nft list table inet other
    atf_check ./d teardown run/db.st
    vn_same_as_before
}
rules_per_jail_cleanup() { vn_cleanup; }

atf_test_case user_bridge cleanup
user_bridge_head() { atf_set descr "a bridge the user made is used as it is and kept"; }
user_bridge_body()
{
    vn_init
    local hn j
    hn=$(vn_name "$H")
    # (with a MAC of its own: one the kernel picked follows the ports and
    # is all zeros once the last port has left, whoever's port it was)
    ip -n "$hn" link add vjtbr1 address 02:00:00:00:78:01 type bridge
    ip -n "$hn" addr add 10.78.0.254/24 dev vjtbr1
    ip -n "$hn" link set vjtbr1 up
    vn_snapshot before
    j=$(vn_ns j)
    # vnet.bridge.addr only applies to a bridge vjail creates
    atf_check ./d setup run/j.st "$j" 9201 name=j vnet.bridge=vjtbr1 \
        vnet.bridge.addr=10.78.0.1/24 vnet.addr=10.78.0.2/24 vnet.gateway=10.78.0.254 \
        vnet.forward=8080:80
    atf_check -o not-match:"10.78.0.1/" ip -n "$hn" -br addr show vjtbr1
    atf_check -o ignore ./nsx "$j" busybox ping -c 1 -W 2 10.78.0.254
    atf_check -o not-match:"bridge.created" cat run/j.st
    atf_check ./d teardown run/j.st
    atf_check -o match:"^vjtbr1 .*10.78.0.254/24" ip -n "$hn" -br addr show vjtbr1
    vn_same_as_before
}
user_bridge_cleanup() { vn_cleanup; }

atf_test_case crash cleanup
crash_head() { atf_set descr "teardown from recorded state after a crash; failed setup leaves nothing"; }
crash_body()
{
    vn_init
    local hn j
    hn=$(vn_name "$H")
    j=$(vn_ns j)
    # crashed right after recording its plan: teardown has nothing to do
    atf_check ./d plan run/p.st 9301 name=p vnet.bridge=vjtbr0 vnet.addr=10.77.0.9/24 vnet.nat
    atf_check -o match:"^host vj9301a" cat run/p.st
    atf_check -o empty -e empty ./d teardown run/p.st
    vn_same_as_before
    # a complete setup, then the jail dies (its namespace too) without
    # any teardown: the recorded state is enough
    atf_check ./d setup run/j.st "$j" 9302 name=j vnet.bridge=vjtbr0 \
        vnet.bridge.addr=10.77.0.1/24 vnet.addr=10.77.0.2/24 vnet.nat vnet.forward=udp/53
    ip netns del "$(vn_name "$j")"
    atf_check -o empty -e empty ./d teardown run/j.st
    atf_check -o empty -e empty ./d teardown run/j.st
    vn_same_as_before
    # a setup that fails half-way (the "bridge" is not a bridge) removes
    # what it made
    j=$(vn_ns k)
    ip -n "$hn" link add vjtnb0 type veth peer name vjtnb1
    vn_snapshot before
    atf_check -s exit:1 -o empty -e match:"^vnet_lib_drv: k: vnet: vj9303a: master vjtnb0" \
        ./d setup run/k.st "$j" 9303 name=k vnet.bridge=vjtnb0 vnet.addr=10.77.0.2/24 vnet.nat
    atf_check -o inline:"lo\n" sh -c "ip -n $(vn_name "$j") -br link | awk '{print \$1}'"
    vn_same_as_before
    ip -n "$hn" link del vjtnb0
    # the jail has an eth0 already: named, nothing left
    vn_snapshot before
    ./nsx "$j" ip link add eth0 type veth peer name vjtpeer
    atf_check -s exit:1 -o empty -e inline:"vnet_lib_drv: k: vnet: eth0: the jail has an interface of that name already: File exists\n" \
        ./d setup run/k.st "$j" 9303 name=k vnet.bridge=vjtbr0 vnet.addr=10.77.0.2/24
    vn_same_as_before
    ./nsx "$j" ip link del eth0
    # a bad parameter: nothing is made, the message names it
    atf_check -s exit:1 -o empty \
        -e inline:"vnet_lib_drv: k: vnet.forward: \"tcp/x\": expected [tcp/|udp/]HOSTPORT[:JAILPORT]\n" \
        ./d setup run/k.st "$j" 9303 name=k vnet.bridge=vjtbr0 vnet.addr=10.77.0.2/24 \
        vnet.forward=tcp/x
}
crash_cleanup() { vn_cleanup; }

atf_test_case concurrent cleanup
concurrent_head() { atf_set descr "20 jails set up and torn down at the same time on one bridge"; }
concurrent_body()
{
    vn_init
    local i j hn
    hn=$(vn_name "$H")
    for i in $(seq 20); do
        vn_ns "c$i" > /dev/null
    done
    for i in $(seq 20); do
        ./d setup "run/c$i.st" "/run/netns/$(vj_name "c$i")" $((9400 + i)) name="c$i" \
            vnet.bridge=vjtbr0 vnet.bridge.addr=10.79.0.1/24 vnet.addr="10.79.0.$((10 + i))/24" \
            vnet.nat vnet.forward="$((8000 + i)):80" > "out.$i" 2>&1 &
    done
    wait
    for i in $(seq 20); do
        [ -s "out.$i" ] && atf_fail "setup c$i: $(cat "out.$i")"
    done
    atf_check -o inline:"20\n" sh -c "ip -n $hn -br link | grep -c '^vj94'"
    atf_check -o ignore ./nsx "/run/netns/$(vj_name c1)" busybox ping -c 1 -W 2 10.79.0.30
    # half of them go, the others stay reachable
    for i in $(seq 10); do
        ./d teardown "run/c$i.st" > "out.$i" 2>&1 &
    done
    wait
    atf_check -o ignore ./nsx "/run/netns/$(vj_name c11)" busybox ping -c 1 -W 2 10.79.0.30
    atf_check -o inline:"10\n" sh -c "ip netns exec $hn nft list table inet vjail | grep -c 'saddr 10.79.0.[0-9]* oifname'"
    for i in $(seq 11 20); do
        ./d teardown "run/c$i.st" > "out.$i" 2>&1 &
    done
    wait
    for i in $(seq 20); do
        [ -s "out.$i" ] && atf_fail "teardown c$i: $(cat "out.$i")"
    done
    vn_same_as_before
}
concurrent_cleanup() { vn_cleanup; }

# ---- the bridge vjail made, retired under the lock, deleted after it ----------

# H has exactly the renamed bridges waiting for deletion (vjdel*) $1
# (a list, "" for none).
vn_retired_are()
{
    local have
    have=$(ip -n "$(vn_name "$H")" -br link | awk '$1 ~ /^vjdel/ { print $1 }' | tr '\n' ' ')
    [ "$have" = "${1:+$1 }" ] || atf_fail "renamed bridges: \"$have\", expected \"$1\""
}

# Set up jail $1 (namespace file $2, jid $3) on vjtbr0 at 10.80.0.$4.
vn_on_br()
{
    atf_check -o empty -e empty ./d setup "run/$1.st" "$2" "$3" name="$1" vnet.bridge=vjtbr0 \
        vnet.bridge.addr=10.80.0.1/24 vnet.bridge.addr=fd80::1/64 vnet.addr="10.80.0.$4/24"
}

# Jail $1 (namespace file $2, jid $3) is on the live vjtbr0, which has its
# address, and reaches it.
vn_on_live()
{
    local hn
    hn=$(vn_name "$H")
    atf_check -o match:"master vjtbr0 " ip -n "$hn" link show "vj${3}a"
    atf_check -o match:"^vjtbr0 +UP .*10\.80\.0\.1/24 fd80::1/64" ip -n "$hn" -br addr show vjtbr0
    atf_check -o match:"1 packets received" ./nsx "$2" busybox ping -c 1 -W 2 10.80.0.1
}

# What a teardown of jail j (namespace $J) killed at some point of
# retiring the bridge leaves, as vnet_setup.c would: the jail and its
# epair gone, vjtbr0 as given by $1 (kept: not renamed yet; renamed:
# renamed, still up; down: renamed and down), its new name vjdel$IDX
# recorded in run/j.st first.
vn_killed_retiring()
{
    local hn
    hn=$(vn_name "$H")
    IDX=$(ip netns exec "$hn" cat /sys/class/net/vjtbr0/ifindex)
    echo "bridge.retired vjdel$IDX" >> run/j.st
    ip netns del "$(vn_name "$J")"
    ip -n "$hn" link del vj9501a 2>/dev/null
    case $1 in
    down) ip -n "$hn" link set vjtbr0 down ;;
    esac
    case $1 in
    renamed|down) ip -n "$hn" link set vjtbr0 name "vjdel$IDX" || atf_fail "rename" ;;
    esac
}

atf_test_case retired_crash cleanup
retired_crash_head() { atf_set descr "a bridge renamed for deletion by a teardown that was killed is deleted by the next teardown, or given its name back to a jail on it"; }
retired_crash_body()
{
    vn_init
    local hn k
    hn=$(vn_name "$H")
    # killed after the rename and the down: the next teardown deletes it
    J=$(vn_ns j)
    vn_on_br j "$J" 9501 2
    vn_killed_retiring down
    vn_retired_are "vjdel$IDX"
    atf_check -o empty -e empty ./d teardown run/j.st
    vn_retired_are ""
    atf_check -o not-match:"^bridge\.retired" cat run/j.st
    atf_check -o empty -e empty ./d teardown run/j.st        # again: fine
    vn_same_as_before
    # killed after recording, before the rename: the bridge still goes
    J=$(vn_ns j2)
    vn_on_br j "$J" 9501 2
    vn_killed_retiring kept
    atf_check -o empty -e empty ./d teardown run/j.st
    vn_same_as_before
    # a new jail made vjtbr0 anew meanwhile: only the retired one goes
    J=$(vn_ns j3)
    vn_on_br j "$J" 9501 2
    vn_killed_retiring down
    k=$(vn_ns k)
    vn_on_br k "$k" 9502 3
    vn_retired_are "vjdel$IDX"
    atf_check -o empty -e empty ./d teardown run/j.st
    vn_retired_are ""
    vn_on_live k "$k" 9502
    atf_check -o empty -e empty ./d teardown run/k.st
    vn_same_as_before
    # killed between the rename and the check that nobody joined, and
    # somebody did: the bridge gets its name back, the jail on it works
    J=$(vn_ns j4)
    k=$(vn_ns k2)
    vn_on_br j "$J" 9501 2
    vn_on_br k "$k" 9502 3
    vn_killed_retiring renamed
    atf_check -o empty -e empty ./d teardown run/j.st
    vn_retired_are ""
    atf_check -o inline:"$IDX\n" ip netns exec "$hn" cat /sys/class/net/vjtbr0/ifindex
    vn_on_live k "$k" 9502
    atf_check -o empty -e empty ./d teardown run/k.st
    vn_same_as_before
}
retired_crash_cleanup() { vn_cleanup; }

atf_test_case retire_race cleanup
retire_race_head() { atf_set descr "jails set up on a bridge vjail makes while the previous one's teardown retires it: each on a live bridge with its address, none left"; }
retire_race_body()
{
    vn_init
    local i ns prev hn
    hn=$(vn_name "$H")
    prev=""
    for i in $(seq 2 30); do
        ns=$(vn_ns "r$i")
        if [ -n "$prev" ]; then
            # the previous jail ends (its namespace goes at once every
            # other time, as when its last process exits)
            [ $((i % 2)) -eq 0 ] && ip netns del "$(vn_name "$prev")"
            ./d teardown "run/r$((i - 1)).st" > "td.$i" 2>&1 &
        fi
        [ $((i % 3)) -eq 0 ] && sleep 0.0$((i % 10))
        ./d setup "run/r$i.st" "$ns" $((9600 + i)) name="r$i" vnet.bridge=vjtbr0 \
            vnet.bridge.addr=10.80.0.1/24 vnet.bridge.addr=fd80::1/64 vnet.addr="10.80.0.$i/24" \
            > "su.$i" 2>&1
        wait
        [ -s "su.$i" ] && atf_fail "setup r$i: $(cat "su.$i")"
        [ -s "td.$i" ] && atf_fail "teardown r$((i - 1)): $(cat "td.$i")"
        vn_on_live "r$i" "$ns" $((9600 + i))
        prev=$ns
    done
    atf_check -o empty -e empty ./d teardown run/r30.st
    vn_retired_are ""
    atf_check -s exit:1 -e ignore ip -n "$hn" link show vjtbr0
    vn_same_as_before
}
retire_race_cleanup() { vn_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case interfaces
    atf_add_test_case pinned_netns
    atf_add_test_case setup_links
    atf_add_test_case traffic
    atf_add_test_case rules_per_jail
    atf_add_test_case user_bridge
    atf_add_test_case crash
    atf_add_test_case concurrent
    atf_add_test_case retired_crash
    atf_add_test_case retire_race
}
