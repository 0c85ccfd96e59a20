#! /usr/bin/env atf-sh
# The netlink layer of libvjail (src/lib/nl_*.c) against the kernel,
# driven through libexec/vjail/ifconfig and route: links made directly in
# other namespaces, batches and their errors, moves, kinds, real traffic.
# Everything happens in namespaces the tests create.

. "$(atf_get_srcdir)/vjail.subr"

. "$(vj_srcroot)/tests/data/netlink/nl.subr"

# ---- cases ----------------------------------------------------------------

atf_test_case peer_in_netns cleanup
peer_in_netns_head() { atf_set descr "veth ends created directly inside other namespaces"; }
peer_in_netns_body()
{
    nl_init
    local a b c ifc
    a=$(nl_ns a)
    b=$(nl_ns b)
    c=$(nl_ns c)
    ifc=$(vj_bin libexec/ifconfig)
    # the b end is born in namespace b, never visible in a
    atf_check -o inline:"epair0a\n" -e empty "$ifc" -j "$a" epair create peervnet "$b"
    atf_check -o inline:"lo0 epair0a\n" "$ifc" -j "$a" -l
    atf_check -o inline:"lo0 epair0b\n" "$ifc" -j "$b" -l
    # both ends elsewhere: the context's own namespace gets nothing
    atf_check -o inline:"epair1a\n" -e empty "$ifc" -j "$a" epair1 create vnet "$b" peervnet "$c"
    atf_check -o inline:"lo0 epair0a\n" "$ifc" -j "$a" -l
    atf_check -o inline:"lo0 epair0b epair1a\n" "$ifc" -j "$b" -l
    atf_check -o inline:"lo0 epair1b\n" "$ifc" -j "$c" -l
    # the pair is connected across namespaces
    atf_check -o empty "$ifc" -j "$b" epair1a inet 192.0.2.1/24
    atf_check -o empty "$ifc" -j "$c" epair1b inet 192.0.2.2/24
    atf_check -o ignore ip netns exec "$(basename "$b")" busybox ping -c 1 -W 2 192.0.2.2
    # destroying one end destroys the other, in its namespace
    atf_check -o empty -e empty "$ifc" -j "$c" epair1b destroy
    atf_check -o inline:"lo0 epair0b\n" "$ifc" -j "$b" -l
    # a failed create leaves nothing in either namespace
    atf_check -s exit:1 -o empty -e inline:"ifconfig: bogus: bad value\n" \
        "$ifc" -j "$a" epair create peervnet "$c" up bogus
    atf_check -s exit:1 -o empty \
        -e inline:"ifconfig: up: cannot configure an interface created in another jail\n" \
        "$ifc" -j "$a" epair create vnet "$c" up
    atf_check -o inline:"lo0 epair0a\n" "$ifc" -j "$a" -l
    atf_check -o inline:"lo0\n" "$ifc" -j "$c" -l
    nl_done
}
peer_in_netns_cleanup() { nl_cleanup; }

atf_test_case create_conflict cleanup
create_conflict_head() { atf_set descr "the failing request is named: NAME: create: File exists"; }
create_conflict_body()
{
    nl_init
    local a b ifc
    a=$(nl_ns a)
    b=$(nl_ns b)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$b" epair create
    # epair0b exists in b, where the new b end would be made
    atf_check -s exit:1 -o empty -e inline:"ifconfig: epair0b: create: File exists\n" \
        "$ifc" -j "$a" epair0 create peervnet "$b"
    atf_check -o inline:"lo0\n" "$ifc" -j "$a" -l
    # picking a unit moves on to a free one
    atf_check -o inline:"epair1a\n" "$ifc" -j "$a" epair create peervnet "$b"
    nl_done
}
create_conflict_cleanup() { nl_cleanup; }

atf_test_case batch_error cleanup
batch_error_head() { atf_set descr "a batch: every ack checked, the first failure named, not atomic"; }
batch_error_body()
{
    nl_init
    local a ifc n
    a=$(nl_ns a)
    n=$(basename "$a")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$a" epair create
    # descr, ether and mtu go in one sendmsg; the multicast MAC is refused
    atf_check -s exit:1 -o empty \
        -e inline:"ifconfig: epair0a: ether 01:00:5e:00:00:01: Cannot assign requested address\n" \
        "$ifc" -j "$a" epair0a descr before ether 01:00:5e:00:00:01 mtu 1300
    # the kernel ran the requests before and after the failing one
    atf_check -o match:"alias before" -o match:"mtu 1300" ip -n "$n" link show epair0a
    atf_check -s exit:1 -e match:"^ifconfig: epair0a: mtu 10: Invalid argument" \
        "$ifc" -j "$a" epair0a mtu 10
    nl_done
}
batch_error_cleanup() { nl_cleanup; }

atf_test_case move cleanup
move_head() { atf_set descr "move a link into a namespace and back: name, MAC, MTU kept"; }
move_body()
{
    nl_init
    local a b ifc mac
    a=$(nl_ns a)
    b=$(nl_ns b)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$a" epair create
    atf_check -o inline:"jailif0\n" "$ifc" -j "$a" epair0b mtu 1400 ether 02:00:00:00:00:0b name jailif0
    atf_check -o empty "$ifc" -j "$a" jailif0 vnet "$b"
    atf_check -o match:"^jailif0: .* mtu 1400$" -o match:"ether 02:00:00:00:00:0b" \
        "$ifc" -j "$b" jailif0
    atf_check -o empty "$ifc" -j "$b" jailif0 inet 192.0.2.2/24
    atf_check -o empty "$ifc" -j "$a" jailif0 -vnet "$b"
    atf_check -o match:"^jailif0: .* mtu 1400$" -o match:"peer: epair0a" "$ifc" -j "$a" jailif0
    # addresses stay behind with the stack they were made in (as on FreeBSD)
    atf_check -o not-match:"inet 192.0.2.2" "$ifc" -j "$a" jailif0
    nl_done
}
move_cleanup() { nl_cleanup; }

atf_test_case kinds cleanup
kinds_head() { atf_set descr "vxlan and macvlan links; 802.1Q and dummy detected when missing"; }
kinds_body()
{
    nl_init
    local a ifc n
    a=$(nl_ns a)
    n=$(basename "$a")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$a" epair create
    atf_check -o empty "$ifc" -j "$a" epair0a inet 192.0.2.1/24
    atf_check -o inline:"vxlan0\n" -e empty "$ifc" -j "$a" vxlan create vxlanid 42 \
        vxlanlocal 192.0.2.1 vxlanremote 192.0.2.2 vxlandev epair0a vxlanport 4790
    atf_check -o match:"vxlan id 42 remote 192.0.2.2 local 192.0.2.1 dev epair0a" -o match:"dstport 4790" \
        ip -n "$n" -d link show vxlan0
    atf_check -o match:"^	groups: vxlan$" "$ifc" -j "$a" vxlan0
    atf_check -o empty -e empty "$ifc" -j "$a" macvlan3 create macvlandev epair0a \
        macvlanmode private up
    atf_check -o match:"macvlan mode private" ip -n "$n" -d link show macvlan3
    atf_check -s exit:1 -e inline:"ifconfig: macvlan0: unknown macvlan mode \"bogus\"\n" \
        "$ifc" -j "$a" macvlan create macvlandev epair0a macvlanmode bogus
    atf_check -s exit:1 -e inline:"ifconfig: nothere0: no such interface\n" \
        "$ifc" -j "$a" macvlan create macvlandev nothere0
    if "$ifc" -j "$a" vlan create vlandev epair0a vlan 7 2>err; then
        atf_fail "802.1Q is available here: extend this test"
    fi
    atf_check -o inline:"ifconfig: vlan: 802.1Q support (8021q) is not available in this kernel\n" cat err
    atf_check -o empty "$ifc" -j "$a" vxlan0 destroy
    atf_check -o empty "$ifc" -j "$a" macvlan3 destroy
    atf_check -o inline:"lo0 epair0a epair0b\n" "$ifc" -j "$a" -l
    nl_done
}
kinds_cleanup() { nl_cleanup; }

atf_test_case ping_bridge cleanup
ping_bridge_head() { atf_set descr "two namespaces on a bridge in a third: IPv4 and IPv6 traffic"; }
ping_bridge_body()
{
    nl_init
    local h j1 j2 ifc rt i
    command -v busybox >/dev/null || atf_skip "busybox is not installed"
    h=$(nl_ns host)
    j1=$(nl_ns j1)
    j2=$(nl_ns j2)
    ifc=$(vj_bin libexec/ifconfig)
    rt=$(vj_bin libexec/route)
    # the seeds' layout: bridge on the "host", b ends in the jails
    atf_check -o inline:"bridge0\n" "$ifc" -j "$h" bridge create
    atf_check -o inline:"epair0a\n" "$ifc" -j "$h" epair create peervnet "$j1"
    atf_check -o inline:"epair1a\n" "$ifc" -j "$h" epair create peervnet "$j2"
    atf_check -o empty -e empty "$ifc" -j "$h" bridge0 addm epair0a addm epair1a up
    atf_check -o empty "$ifc" -j "$h" epair0a up
    atf_check -o empty "$ifc" -j "$h" epair1a up
    atf_check -o empty "$ifc" -j "$h" bridge0 inet 192.0.2.254/24
    atf_check -o empty "$ifc" -j "$j1" epair0b inet 192.0.2.1/24
    atf_check -o empty "$ifc" -j "$j2" epair1b inet 192.0.2.2/24
    atf_check -o empty "$ifc" -j "$j1" lo0 up
    atf_check -o ignore "$rt" -j "$j1" add default 192.0.2.254
    atf_check -o ignore "$rt" -j "$j2" add default 192.0.2.254
    atf_check -o match:"1 packets received" \
        ip netns exec "$(basename "$j1")" busybox ping -c 1 -W 2 192.0.2.2
    atf_check -o match:"1 packets received" \
        ip netns exec "$(basename "$j2")" busybox ping -c 1 -W 2 192.0.2.1
    atf_check -o match:"1 packets received" \
        ip netns exec "$(basename "$j2")" busybox ping -c 1 -W 2 192.0.2.254
    atf_check -o match:"1 packets received" \
        ip netns exec "$(basename "$j1")" busybox ping -c 1 -W 2 127.0.0.1
    # IPv6 once duplicate address detection is over
    atf_check -o empty "$ifc" -j "$j1" epair0b inet6 2001:db8::1/64 alias
    atf_check -o empty "$ifc" -j "$j2" epair1b inet6 2001:db8::2/64 alias
    for i in 1 2 3 4 5 6 7 8 9 10; do
        "$ifc" -j "$j1" epair0b | grep -q tentative || "$ifc" -j "$j2" epair1b | grep -q tentative ||
            break
        sleep 0.5
    done
    atf_check -o match:"1 packets received" \
        ip netns exec "$(basename "$j1")" busybox ping -6 -c 1 -W 2 2001:db8::2
    # members leave the bridge: traffic stops
    atf_check -o empty "$ifc" -j "$h" bridge0 deletem epair1a
    atf_check -s not-exit:0 -o ignore -e ignore \
        ip netns exec "$(basename "$j1")" busybox ping -c 1 -W 1 192.0.2.2
    nl_done
}
ping_bridge_cleanup() { nl_cleanup; }

atf_test_case many cleanup
many_head() { atf_set descr "50 epairs: lowest free units, then all destroyed"; }
many_body()
{
    nl_init
    local a ifc i got
    a=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    i=0
    while [ $i -lt 50 ]; do
        got=$("$ifc" -j "$a" epair create) || atf_fail "epair create $i"
        [ "$got" = "epair${i}a" ] || atf_fail "expected epair${i}a, got $got"
        i=$((i + 1))
    done
    atf_check -o empty "$ifc" -j "$a" epair17b destroy
    atf_check -o inline:"epair17a\n" "$ifc" -j "$a" epair create
    i=0
    while [ $i -lt 50 ]; do
        "$ifc" -j "$a" epair${i}a destroy || atf_fail "destroy epair${i}a"
        i=$((i + 1))
    done
    atf_check -o inline:"lo0\n" "$ifc" -j "$a" -l
    nl_done
}
many_cleanup() { nl_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case peer_in_netns
    atf_add_test_case create_conflict
    atf_add_test_case batch_error
    atf_add_test_case move
    atf_add_test_case kinds
    atf_add_test_case ping_bridge
    atf_add_test_case many
}
