#! /usr/bin/env atf-sh
# A DHCP client inside a VNET jail (issue #4: "a DHCP client inside a VNET
# jail works; document how", jail(8) "DHCP in a jail"): a jail on a bridge
# with vnet.bridge and no vnet.addr gets its address from a DHCP server.
# Both ends run in VNET jails this test makes (busybox udhcpd in one,
# busybox udhcpc in the other), on a bridge the test owns: no DHCP traffic
# reaches the host's own interfaces.

. "$(atf_get_srcdir)/vjail.subr"
. "$(vj_srcroot)/tests/data/vnet/vnet_host.subr"

dhcp_wait_file()
{
    local i
    for i in $(seq 100); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

atf_test_case client cleanup
client_head()
{
    atf_set descr "busybox udhcpc in a vnet.bridge jail without vnet.addr gets an address from udhcpd in another jail"
}
client_body()
{
    local srv cli br=vjtdhcp0 addr
    vt_init
    busybox udhcpd --help 2>&1 | grep -q -i usage || atf_skip "busybox has no udhcpd"
    busybox udhcpc --help 2>&1 | grep -q -i usage || atf_skip "busybox has no udhcpc"
    srv=$(vj_name)_s
    cli=$(vj_name)_c
    vt_own "$br"
    # The server's configuration and lease file; a small pool.
    cat > udhcpd.conf <<EOF
start 10.200.30.100
end 10.200.30.110
interface eth0
lease_file $PWD/udhcpd.leases
option subnet 255.255.255.0
option router 10.200.30.1
option lease 600
EOF
    : > udhcpd.leases
    # The client's script: what busybox's default script does, written out
    # (with ip(8), run in the jail).
    cat > udhcpc.script <<EOF
#!/bin/sh
case "\$1" in
bound|renew)
    ip addr flush dev "\$interface"
    ip addr add "\$ip/\$mask" dev "\$interface"
    [ -n "\$router" ] && ip route replace default via "\${router%% *}" dev "\$interface"
    echo "\$ip" > $PWD/lease.got
    ;;
esac
exit 0
EOF
    chmod +x udhcpc.script
    atf_check -o empty -e empty "$JAIL" -c name="$srv" path=/ persist vnet \
        vnet.bridge="$br" vnet.bridge.addr=10.200.30.1/24 vnet.addr=10.200.30.2/24 \
        allow.raw_sockets allow.socket_af
    "$JX" "$srv" busybox udhcpd -f "$PWD/udhcpd.conf" > udhcpd.out 2>&1 &
    echo $! > udhcpd.pid
    atf_check -o empty -e empty "$JAIL" -c name="$cli" path=/ persist vnet \
        vnet.bridge="$br" allow.raw_sockets allow.socket_af
    # No address before DHCP: vnet.addr was not given.
    atf_check -o not-match:"inet " "$JX" "$cli" ip -4 addr show eth0
    atf_check -o ignore -e ignore "$JX" "$cli" busybox udhcpc -i eth0 -n -q -t 10 -T 1 \
        -s "$PWD/udhcpc.script"
    dhcp_wait_file lease.got || atf_fail "udhcpc got no lease: $(cat udhcpd.out)"
    addr=$(cat lease.got)
    case "$addr" in
    10.200.30.1[01][0-9]) ;;
    *) atf_fail "unexpected lease $addr" ;;
    esac
    atf_check -o match:"inet $addr/24" "$JX" "$cli" ip -4 addr show eth0
    atf_check -o match:"default via 10.200.30.1" "$JX" "$cli" ip route show default
    # The address works: the server's jail reaches the client's.
    atf_check -o match:"1 packets received" "$JX" "$srv" busybox ping -c 1 -W 3 "$addr"
    kill "$(cat udhcpd.pid)" 2>/dev/null
    atf_check "$JAIL" -r "$cli"
    atf_check "$JAIL" -r "$srv"
    vt_host_unchanged
}
client_cleanup()
{
    [ -f udhcpd.pid ] && kill "$(cat udhcpd.pid)" 2>/dev/null
    vt_cleanup
}

atf_init_test_cases()
{
    atf_add_test_case client
}
