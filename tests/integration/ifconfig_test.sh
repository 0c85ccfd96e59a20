#! /usr/bin/env atf-sh
# vjail's ifconfig and route (libexec/vjail): FreeBSD's verbs and output,
# run with -j on network namespaces the tests create (never the host's).

. "$(atf_get_srcdir)/vjail.subr"

. "$(vj_srcroot)/tests/data/netlink/nl.subr"

IFC() { "$(vj_bin libexec/ifconfig)" "$@"; }
RT() { "$(vj_bin libexec/route)" "$@"; }

# ---- epair ----------------------------------------------------------------

atf_test_case epair cleanup
epair_head() { atf_set descr "epair create (lowest free unit), epairN create, destroy either end"; }
epair_body()
{
    nl_init
    local ns ifc
    ns=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" -e empty "$ifc" -j "$ns" epair create
    atf_check -o inline:"epair1a\n" -e empty "$ifc" -j "$ns" epair create
    atf_check -o inline:"epair5a\n" -e empty "$ifc" -j "$ns" epair5 create
    atf_check -o inline:"epair2a\n" -e empty "$ifc" -j "$ns" epair create
    atf_check -o match:"^epair0b@epair0a " ip -n "$(basename "$ns")" -br link
    atf_check -s exit:1 -e inline:"ifconfig: SIOCIFCREATE2 (epair5): File exists\n" \
        "$ifc" -j "$ns" epair5 create
    # destroying the b end takes the a end with it, and the unit is free again
    atf_check -o empty -e empty "$ifc" -j "$ns" epair1b destroy
    atf_check -o inline:"lo0 epair0a epair0b epair5a epair5b epair2a epair2b\n" "$ifc" -j "$ns" -l
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a destroy
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    atf_check -s exit:1 -e inline:"ifconfig: interface epair9a does not exist\n" \
        "$ifc" -j "$ns" epair9a destroy
    atf_check -s exit:1 -e inline:"ifconfig: SIOCIFDESTROY: Invalid argument\n" \
        "$ifc" -j "$ns" lo0 destroy
    # create with further verbs applies them to the new interface
    atf_check -o inline:"epair1a\n" "$ifc" -j "$ns" epair create mtu 1400 up
    # with name, the final name is printed (FreeBSD)
    atf_check -o inline:"web0\n" "$ifc" -j "$ns" epair create name web0
    atf_check -o empty "$ifc" -j "$ns" web0 destroy
    # a failing verb after create takes the new interface away again
    atf_check -s exit:1 -o empty -e inline:"ifconfig: bogus: bad value\n" \
        "$ifc" -j "$ns" epair create up bogus
    atf_check -o inline:"lo0 epair5a epair5b epair2a epair2b epair0a epair0b epair1a epair1b\n" \
        "$ifc" -j "$ns" -l
    atf_check -o match:"^epair1a: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1400$" \
        "$ifc" -j "$ns" epair1a
    nl_done
}
epair_cleanup() { nl_cleanup; }

# ---- bridge ---------------------------------------------------------------

atf_test_case bridge cleanup
bridge_head() { atf_set descr "bridge create, addm/deletem chained, member: lines"; }
bridge_body()
{
    nl_init
    local ns ifc n
    ns=$(nl_ns a)
    n=$(basename "$ns")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"bridge0\n" -e empty "$ifc" -j "$ns" bridge create
    atf_check -o empty -e empty "$ifc" -j "$ns" bridge5 create
    atf_check -o inline:"bridge1\n" "$ifc" -j "$ns" bridge create
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    atf_check -o inline:"epair1a\n" "$ifc" -j "$ns" epair create
    atf_check -o empty -e empty "$ifc" -j "$ns" bridge0 addm epair0a addm epair1a up
    atf_check -o match:"master bridge0" ip -n "$n" link show epair0a
    atf_check -o match:"master bridge0" ip -n "$n" link show epair1a
    atf_check -o match:"^	member: epair0a flags=1c3<LEARNING,DISCOVER,AUTOEDGE,PTP,AUTOPTP>$" \
        -o match:"^	member: epair1a flags=1c3" -o match:"^	        ifmaxaddr 0 port [0-9]+ priority [0-9]+ path cost [0-9]+$" \
        -o match:"^	groups: bridge$" -o match:"^bridge0: flags=[0-9a-f]+<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST" \
        "$ifc" -j "$ns" bridge0
    atf_check -s exit:1 -e inline:"ifconfig: BRDGADD epair0a: File exists\n" \
        "$ifc" -j "$ns" bridge0 addm epair0a
    atf_check -s exit:1 -e inline:"ifconfig: BRDGADD epair1a: Device busy\n" \
        "$ifc" -j "$ns" bridge1 addm epair1a
    atf_check -s exit:1 -e inline:"ifconfig: BRDGADD nothere0: No such file or directory\n" \
        "$ifc" -j "$ns" bridge0 addm nothere0
    atf_check -o empty -e empty "$ifc" -j "$ns" bridge0 deletem epair1a
    atf_check -o not-match:"master" ip -n "$n" link show epair1a
    atf_check -s exit:1 -e inline:"ifconfig: BRDGDEL epair1a: No such file or directory\n" \
        "$ifc" -j "$ns" bridge0 deletem epair1a
    # a bridge with members can be destroyed; the members stay
    atf_check -o empty -e empty "$ifc" -j "$ns" bridge0 destroy
    atf_check -o not-match:"master" ip -n "$n" link show epair0a
    nl_done
}
bridge_cleanup() { nl_cleanup; }

# ---- addresses ------------------------------------------------------------

atf_test_case addresses cleanup
addresses_head() { atf_set descr "inet/inet6, netmask forms, alias/-alias, replacement, up"; }
addresses_body()
{
    nl_init
    local ns ifc n
    ns=$(nl_ns a)
    n=$(basename "$ns")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    # the first address brings the interface up (FreeBSD)
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet 192.0.2.1/24
    atf_check -o match:"<.*UP.*>" ip -n "$n" link show epair0a
    atf_check -o match:"^	inet 192.0.2.1 netmask 0xffffff00 broadcast 192.0.2.255$" \
        "$ifc" -j "$ns" epair0a
    # without alias the address is replaced
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet 198.51.100.1 netmask 255.255.255.0
    atf_check -o inline:"198.51.100.1/24\n" sh -c \
        "ip -n $n -4 -o addr show dev epair0a | awk '{print \$4}'"
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet 203.0.113.9 netmask 0xfffffff0 alias
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a 10.0.0.1/8 alias
    atf_check -o inline:"198.51.100.1/24\n203.0.113.9/28\n10.0.0.1/8\n" sh -c \
        "ip -n $n -4 -o addr show dev epair0a | awk '{print \$4}'"
    atf_check -s exit:1 -e inline:"ifconfig: ioctl (SIOCAIFADDR): File exists\n" \
        "$ifc" -j "$ns" epair0a inet 10.0.0.1/8 alias
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet 203.0.113.9 -alias
    atf_check -s exit:1 -e inline:"ifconfig: ioctl (SIOCDIFADDR): Can't assign requested address\n" \
        "$ifc" -j "$ns" epair0a inet 203.0.113.9 -alias
    atf_check -o inline:"198.51.100.1/24\n10.0.0.1/8\n" sh -c \
        "ip -n $n -4 -o addr show dev epair0a | awk '{print \$4}'"
    # IPv6: /len, prefixlen, default 64, removal without the length
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet6 2001:db8::1/64
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet6 2001:db8:1::1 prefixlen 56 alias
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet6 2001:db8:2::1 alias
    atf_check -o match:"^	inet6 2001:db8::1 prefixlen 64" \
        -o match:"^	inet6 2001:db8:1::1 prefixlen 56" -o match:"^	inet6 2001:db8:2::1 prefixlen 64" \
        "$ifc" -j "$ns" epair0a
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a inet6 2001:db8:1::1 -alias
    atf_check -o not-match:"2001:db8:1::1" ip -n "$n" -6 addr show dev epair0a
    # errors
    atf_check -s exit:1 -e inline:"ifconfig: 300.1.2.3/24: bad IPv4 address\n" \
        "$ifc" -j "$ns" epair0a inet 300.1.2.3/24
    atf_check -s exit:1 -e inline:"ifconfig: 255.0.255.0: bad value\n" \
        "$ifc" -j "$ns" epair0a inet 10.1.1.1 netmask 255.0.255.0
    atf_check -s exit:1 -e inline:"ifconfig: 'inet' requires argument\n" \
        "$ifc" -j "$ns" epair0a up inet
    # alone, inet/inet6 select what the listing shows
    atf_check -o match:"^	inet 10.0.0.1 netmask 0xff000000 broadcast 10.255.255.255$" \
        -o not-match:"inet6" "$ifc" -j "$ns" epair0a inet
    atf_check -o match:"^	inet6 2001:db8::1 prefixlen 64" -o not-match:"	inet " \
        "$ifc" -j "$ns" epair0a inet6
    nl_done
}
addresses_cleanup() { nl_cleanup; }

# ---- link attributes ------------------------------------------------------

atf_test_case attributes cleanup
attributes_head() { atf_set descr "mtu, ether, name, description, altname"; }
attributes_body()
{
    nl_init
    local ns ifc n
    ns=$(nl_ns a)
    n=$(basename "$ns")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a mtu 9000 ether 02:00:00:00:aa:01 \
        description "uplink of jail web"
    atf_check -o match:"mtu 9000" -o match:"link/ether 02:00:00:00:aa:01" \
        -o match:"alias uplink of jail web" ip -n "$n" link show epair0a
    atf_check -o match:"^epair0a: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 9000$" \
        -o match:"^	description: uplink of jail web$" -o match:"^	ether 02:00:00:00:aa:01$" \
        "$ifc" -j "$ns" epair0a
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a -description
    atf_check -o not-match:"description" "$ifc" -j "$ns" epair0a
    atf_check -o empty -e empty "$ifc" -j "$ns" epair0a descr short
    atf_check -o match:"^	description: short$" "$ifc" -j "$ns" epair0a
    atf_check -o inline:"e0a_www\n" -e empty "$ifc" -j "$ns" epair0a name e0a_www
    atf_check -o match:"^e0a_www: " -o match:"^	peer: epair0b$" "$ifc" -j "$ns" e0a_www
    atf_check -s exit:1 -e inline:"ifconfig: interface epair0a does not exist\n" \
        "$ifc" -j "$ns" epair0a up
    atf_check -o empty -e empty "$ifc" -j "$ns" e0a_www altname jail-web-uplink-interface
    atf_check -o match:"altname jail-web-uplink-interface" ip -n "$n" link show e0a_www
    # the altname names the interface too
    atf_check -o match:"^e0a_www: " -o match:"^	altname jail-web-uplink-interface$" \
        "$ifc" -j "$ns" jail-web-uplink-interface
    atf_check -o empty -e empty "$ifc" -j "$ns" e0a_www -altname jail-web-uplink-interface
    atf_check -o not-match:"altname" ip -n "$n" link show e0a_www
    atf_check -o empty -e empty "$ifc" -j "$ns" e0a_www ether random
    atf_check -o match:"link/ether [0-9a-f][26ae]:" ip -n "$n" link show e0a_www
    # errors name what failed
    atf_check -s exit:1 -e inline:"ifconfig: 70000: bad value\n" "$ifc" -j "$ns" e0a_www mtu 70000
    atf_check -s exit:1 -e inline:"ifconfig: malformed link-level address\n" \
        "$ifc" -j "$ns" e0a_www ether 02:00:00
    atf_check -s exit:1 \
        -e inline:"ifconfig: a-name-longer-than-15: interface name too long (at most 15 characters)\n" \
        "$ifc" -j "$ns" e0a_www name a-name-longer-than-15
    atf_check -s exit:1 -e inline:"ifconfig: bogus: bad value\n" "$ifc" -j "$ns" e0a_www bogus
    nl_done
}
attributes_cleanup() { nl_cleanup; }

# ---- listing --------------------------------------------------------------

atf_test_case listing cleanup
listing_head() { atf_set descr "FreeBSD's listing format, -l, -u/-d, lo0"; }
listing_body()
{
    nl_init
    local ns ifc mac
    ns=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"lo0: flags=8<LOOPBACK> metric 0 mtu 65536\n\tgroups: lo\n" \
        "$ifc" -j "$ns" lo0
    atf_check -o empty -e empty "$ifc" -j "$ns" lo0 up
    atf_check -o inline:"lo0: flags=1000049<UP,LOOPBACK,RUNNING,LOWER_UP> metric 0 mtu 65536\n\tinet 127.0.0.1 netmask 0xff000000\n\tinet6 ::1 prefixlen 128\n\tgroups: lo\n" \
        "$ifc" -j "$ns" lo0
    atf_check -o inline:"lo0: flags=1000049<UP,LOOPBACK,RUNNING,LOWER_UP> metric 0 mtu 65536\n\tinet6 ::1 prefixlen 128\n\tgroups: lo\n" \
        "$ifc" -j "$ns" lo0 inet6
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    mac=$(ip -n "$(basename "$ns")" -o link show epair0a | sed 's/.*link\/ether \([^ ]*\).*/\1/')
    cat > expout <<EOF
epair0a: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500
	ether $mac
	peer: epair0b
	groups: epair
	media: Ethernet 10Gbase-T (10Gbase-T <full-duplex>)
	status: no carrier
EOF
    atf_check -o file:expout -e empty "$ifc" -j "$ns" epair0a
    atf_check -o empty "$ifc" -j "$ns" epair0a up
    atf_check -o empty "$ifc" -j "$ns" epair0b up
    atf_check -o match:"^epair0a: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500$" \
        -o match:"^	status: active$" "$ifc" -j "$ns" epair0a
    atf_check -o inline:"lo0 epair0a epair0b\n" "$ifc" -j "$ns" -l
    atf_check -o inline:"lo0 epair0a epair0b\n" "$ifc" -j "$ns" -l -u
    atf_check -o inline:"\n" "$ifc" -j "$ns" -l -d
    # the whole listing, and -a, show every interface
    atf_check -o match:"^lo0: " -o match:"^epair0a: " -o match:"^epair0b: " "$ifc" -j "$ns"
    atf_check -o match:"^epair0b: " "$ifc" -j "$ns" -a
    atf_check -s exit:1 -e inline:"ifconfig: interface nothere0 does not exist\n" \
        "$ifc" -j "$ns" nothere0
    nl_done
}
listing_cleanup() { nl_cleanup; }

# ---- bridge spanning tree ----------------------------------------------------

atf_test_case bridge_stp cleanup
bridge_stp_head() { atf_set descr "bridge listing: FreeBSD's id/maxage/root lines and member lines from Linux's IFLA_BR_*/IFLA_BRPORT_*"; }
bridge_stp_body()
{
    nl_init
    local ns n ifc mac cost
    ns=$(nl_ns a)
    n=$(basename "$ns")
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"bridge0\n" -e empty "$ifc" -j "$ns" bridge create
    atf_check -o inline:"epair0a\n" -e empty "$ifc" -j "$ns" epair create
    atf_check -o empty -e empty "$ifc" -j "$ns" bridge0 addm epair0a up
    mac=$(ip -n "$n" -o link show bridge0 | sed 's/.*link\/ether \([^ ]*\).*/\1/')
    cost=$(ip -n "$n" -d -o link show epair0a | sed 's/.* cost \([0-9]*\) .*/\1/')
    # Linux's defaults: no spanning tree, 2 s hello, 15 s forward delay,
    # 20 s max age, 300 s ageing, bridge and port priority 32768 and 32.
    cat > expout <<EOF
bridge0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500
	ether $mac
	id $mac priority 32768 hellotime 2 fwddelay 15
	maxage 20 holdcnt 1 proto stp maxaddr 0 timeout 300
	root id $mac priority 32768 ifcost 0 port 0
	member: epair0a flags=1c3<LEARNING,DISCOVER,AUTOEDGE,PTP,AUTOPTP>
	        ifmaxaddr 0 port 1 priority 128 path cost $cost
	groups: bridge
EOF
    atf_check -o file:expout -e empty "$ifc" -j "$ns" bridge0
    # Spanning tree on, other values: each shows where FreeBSD has it.
    atf_check ip -n "$n" link set bridge0 type bridge stp_state 1 priority 4096 hello_time 300 \
        forward_delay 1000 max_age 1500 ageing_time 6000
    atf_check ip -n "$n" link set epair0a type bridge_slave priority 16 cost 55 isolated on \
        learning off flood off
    atf_check -o match:"^	id $mac priority 4096 hellotime 3 fwddelay 10$" \
        -o match:"^	maxage 15 holdcnt 1 proto stp maxaddr 0 timeout 60$" \
        -o match:"^	root id $mac priority 4096 ifcost 0 port 0$" \
        -o match:"^	member: epair0a flags=9c4<STP,PRIVATE,AUTOEDGE,PTP,AUTOPTP>$" \
        -o match:"^	        ifmaxaddr 0 port 1 priority 64 path cost 55 proto stp$" \
        -o match:"^	        role disabled state disabled$" \
        "$ifc" -j "$ns" bridge0
    # A port with a link runs the spanning tree: this bridge is the root,
    # the port designated.
    atf_check -o empty "$ifc" -j "$ns" epair0a up
    atf_check -o empty "$ifc" -j "$ns" epair0b up
    atf_check -o match:"^	        role designated state (listening|learning|forwarding)$" \
        "$ifc" -j "$ns" bridge0
    nl_done
}
bridge_stp_cleanup() { nl_cleanup; }

# ---- lo0 ----------------------------------------------------------------------

atf_test_case loopback_name cleanup
loopback_name_head() { atf_set descr "Linux's lo is lo0 everywhere: -l, listing, verbs, addm, route -interface, route get"; }
loopback_name_body()
{
    nl_init
    local ns ifc rt
    ns=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    rt=$(vj_bin libexec/route)
    atf_check -o inline:"lo0\n" "$ifc" -j "$ns" -l
    atf_check -o inline:"lo0\n" "$ifc" -j "$ns" -l -d
    atf_check -o empty -e empty "$ifc" -j "$ns" lo0 up mtu 16384
    atf_check -o inline:"lo0\n" "$ifc" -j "$ns" -l -u
    atf_check -o match:"^lo0: flags=1000049<UP,LOOPBACK,RUNNING,LOWER_UP> metric 0 mtu 16384$" \
        "$ifc" -j "$ns"
    # a jail's usual loopback alias (127/8 needs host scope on Linux)
    atf_check -o empty -e empty "$ifc" -j "$ns" lo0 inet 127.0.0.2/8 alias
    atf_check -o match:"^	inet 127.0.0.2 netmask 0xff000000$" "$ifc" -j "$ns" lo0 inet
    atf_check -o empty -e empty "$ifc" -j "$ns" lo0 inet 127.0.0.2 -alias
    atf_check -o not-match:"127.0.0.2" "$ifc" -j "$ns" lo0
    atf_check -o inline:"bridge0\n" "$ifc" -j "$ns" bridge create
    atf_check -s exit:1 -e inline:"ifconfig: BRDGADD lo0: Invalid argument\n" \
        "$ifc" -j "$ns" bridge0 addm lo0
    atf_check -o inline:"add net 10.99.0.0/24: gateway lo0\n" -e empty \
        "$rt" -j "$ns" add -net 10.99.0.0/24 -interface lo0
    atf_check -o match:"^  interface: lo0$" "$rt" -j "$ns" get 10.99.0.1
    atf_check -o match:"^  interface: lo0$" "$rt" -j "$ns" get 127.0.0.1
    atf_check -o empty -e empty "$ifc" -j "$ns" lo0 down
    atf_check -o inline:"lo0 bridge0\n" "$ifc" -j "$ns" -l -d
    nl_done
}
loopback_name_cleanup() { nl_cleanup; }

# ---- PATH of commands in jails --------------------------------------------------

atf_test_case jail_path cleanup
jail_path_head()
{
    atf_set descr "jexec (also -l), command= and exec.start find vjail's ifconfig first on PATH when the jail's root shows it, not otherwise"
}
jail_path_body()
{
    vj_require_root
    local n dir jail jx
    jail=$(vj_bin jail)
    jx=$(vj_bin jexec)
    dir=$(dirname "$(vj_bin libexec/ifconfig)")
    n=$(vj_name root)
    # path=/: the directory is visible in the jail.
    atf_check -o empty -e empty "$jail" -c name="$n" path=/ vnet persist
    atf_check -o inline:"$dir/ifconfig\n" "$jx" "$n" sh -c 'command -v ifconfig'
    atf_check -o inline:"$dir/route\n" "$jx" "$n" sh -c 'command -v route'
    atf_check -o inline:"lo0\n" -e empty "$jx" "$n" ifconfig -l
    # -l: FreeBSD's login PATH, vjail's directory before it
    atf_check -o inline:"$dir:/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin\n" \
        "$jx" -l "$n" /bin/sh -c 'echo $PATH'
    # first already (a jexec in an exec.* command): not twice
    atf_check -o inline:"$dir:/usr/bin:/bin\n" \
        env PATH="$dir:/usr/bin:/bin" "$jx" "$n" /bin/sh -c 'echo $PATH'
    atf_check -o empty -e empty "$jail" -r "$n"
    # command= and exec.start run inside the jail with it too.
    atf_check -o inline:"lo0\n" -e empty "$jail" -c name="$n" path=/ vnet command=ifconfig -l
    atf_check -o inline:"lo0\n" -e empty "$jail" -c name="$n" path=/ vnet persist \
        "exec.start=ifconfig -l"
    atf_check -o empty -e empty "$jail" -r "$n"
    # A root without it: the jail's own programs (busybox's ifconfig).
    vj_mkroot root
    n=$(vj_name busybox)
    atf_check -o empty -e empty "$jail" -c name="$n" path="$PWD/root" vnet persist
    atf_check -o inline:"/bin/ifconfig\n" "$jx" "$n" /bin/which ifconfig
    atf_check -o not-match:"$dir" "$jx" "$n" /bin/sh -c 'echo $PATH'
    atf_check -o not-match:"$dir" "$jx" -l "$n" /bin/sh -c 'echo $PATH'
    atf_check -o not-match:"$dir" -e empty "$jail" -c name="${n}_c" path="$PWD/root" \
        command=/bin/sh -c 'echo $PATH'
    atf_check -o empty -e empty "$jail" -r "$n"
    # A root that contains it (mounted there): found first again.
    mkdir -p "root$dir" || atf_fail "mkdir root$dir"
    atf_check -o empty -e empty "$jail" -c name="$n" path="$PWD/root" persist \
        "mount=$dir $PWD/root$dir nullfs ro 0 0"
    atf_check -o inline:"$dir/ifconfig\n" "$jx" "$n" /bin/which ifconfig
    atf_check -o empty -e empty "$jail" -r "$n"
}
jail_path_cleanup() { vj_cleanup; }

# ---- vnet -----------------------------------------------------------------

atf_test_case vnet cleanup
vnet_head() { atf_set descr "IF vnet JAIL / IF -vnet JAIL (namespace paths), -j unknown jail"; }
vnet_body()
{
    nl_init
    local a b ifc
    a=$(nl_ns a)
    b=$(nl_ns b)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$a" epair create
    atf_check -o empty "$ifc" -j "$a" epair0b mtu 1280
    atf_check -o empty -e empty "$ifc" -j "$a" epair0b vnet "$b"
    atf_check -o inline:"lo0 epair0a\n" "$ifc" -j "$a" -l
    atf_check -o inline:"lo0 epair0b\n" "$ifc" -j "$b" -l
    atf_check -o match:"mtu 1280" -o match:"peer: \(in another network stack\)" "$ifc" -j "$b" epair0b
    atf_check -o empty -e empty "$ifc" -j "$a" epair0b -vnet "$b"
    atf_check -o inline:"lo0 epair0a epair0b\n" "$ifc" -j "$a" -l
    atf_check -s exit:1 -e inline:"ifconfig: interface epair0b does not exist\n" \
        "$ifc" -j "$a" epair0b -vnet "$b"
    atf_check -s exit:1 -e inline:"ifconfig: jail \"vjt_nosuchjail\" not found\n" \
        "$ifc" -j "$a" epair0b vnet vjt_nosuchjail
    atf_check -s exit:1 -e inline:"ifconfig: jail \"vjt_nosuchjail\" not found\n" \
        "$ifc" -j vjt_nosuchjail -l
    nl_done
}
vnet_cleanup() { nl_cleanup; }

# ---- kinds this kernel lacks ----------------------------------------------

atf_test_case vlan cleanup
vlan_head() { atf_set descr "802.1Q: a clear error where the kernel lacks it, else vlan create"; }
vlan_body()
{
    nl_init
    local ns ifc msg
    ns=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    msg="ifconfig: vlan: 802.1Q support (8021q) is not available in this kernel"
    if "$ifc" -j "$ns" epair0a.5 create 2>err; then
        atf_check -o match:"epair0a.5" ip -n "$(basename "$ns")" link show epair0a.5
        nl_done
        atf_skip "this kernel has 802.1Q: only creation was checked"
    fi
    atf_check -o inline:"$msg\n" cat err
    atf_check -s exit:1 -e inline:"$msg\n" "$ifc" -j "$ns" vlan create vlandev epair0a vlan 42
    atf_check -s exit:1 -e inline:"ifconfig: vlan: vlandev and vlan are required\n" \
        "$ifc" -j "$ns" vlan create
    nl_done
}
vlan_cleanup() { nl_cleanup; }

atf_test_case loopback_clone cleanup
loopback_clone_head() { atf_set descr "loN create makes a dummy link (skipped without dummy)"; }
loopback_clone_body()
{
    nl_init
    local ns ifc
    ns=$(nl_ns a)
    ifc=$(vj_bin libexec/ifconfig)
    if ! "$ifc" -j "$ns" lo create > out 2> err; then
        atf_check -o inline:"ifconfig: dummy: dummy interface support (dummy) is not available in this kernel\n" cat err
        nl_done
        atf_skip "this kernel lacks dummy interfaces"
    fi
    atf_check -o inline:"lo1\n" cat out
    atf_check -o empty "$ifc" -j "$ns" lo1 destroy
    nl_done
}
loopback_clone_cleanup() { nl_cleanup; }

# ---- route ----------------------------------------------------------------

atf_test_case route cleanup
route_head() { atf_set descr "route add/delete/get: default, -net, -host, FreeBSD's messages"; }
route_body()
{
    nl_init
    local ns rt ifc n
    ns=$(nl_ns a)
    n=$(basename "$ns")
    rt=$(vj_bin libexec/route)
    ifc=$(vj_bin libexec/ifconfig)
    atf_check -o inline:"epair0a\n" "$ifc" -j "$ns" epair create
    atf_check -o empty "$ifc" -j "$ns" epair0a inet 192.0.2.1/24
    atf_check -o empty "$ifc" -j "$ns" epair0b up
    atf_check -o inline:"add net default: gateway 192.0.2.254\n" -e empty \
        "$rt" -j "$ns" add default 192.0.2.254
    atf_check -s exit:1 -o inline:"add net default: gateway 192.0.2.254: route already in table\n" \
        -e inline:"route: writing to routing socket: File exists\n" \
        "$rt" -j "$ns" add default 192.0.2.254
    atf_check -o inline:"add net 10.20.0.0/16: gateway 192.0.2.2\n" \
        "$rt" -j "$ns" add -net 10.20.0.0/16 192.0.2.2
    atf_check -o inline:"add host 10.30.0.1: gateway 192.0.2.3\n" \
        "$rt" -j "$ns" add -host 10.30.0.1 192.0.2.3
    atf_check -o inline:"add net 10.40.0.0: gateway 192.0.2.4\n" \
        "$rt" -j "$ns" add -net 10.40.0.0 -netmask 255.255.0.0 192.0.2.4
    atf_check -o inline:"add net 10.50.0.0/24: gateway epair0a\n" \
        "$rt" -j "$ns" add -net 10.50.0.0/24 -interface epair0a
    atf_check -o match:"^default via 192.0.2.254 dev epair0a proto static" \
        -o match:"^10.20.0.0/16 via 192.0.2.2 dev epair0a" -o match:"^10.30.0.1 via 192.0.2.3" \
        -o match:"^10.40.0.0/16 via 192.0.2.4" -o match:"^10.50.0.0/24 dev epair0a proto static scope link" \
        ip -n "$n" route
    cat > expout <<'EOF'
   route to: 10.20.3.4
destination: 10.20.0.0
       mask: 255.255.0.0
    gateway: 192.0.2.2
        fib: 0
  interface: epair0a
      flags: <UP,GATEWAY,DONE,STATIC>
 recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire
       0         0         0         0      1500         1         0 
EOF
    atf_check -o file:expout -e empty "$rt" -j "$ns" get 10.20.3.4
    atf_check -o match:"^destination: default$" -o match:"^    gateway: 192.0.2.254$" \
        "$rt" -j "$ns" -n get 8.8.8.8
    atf_check -o match:"flags: <UP,GATEWAY,HOST,DONE,STATIC>" -o match:"gateway: 192.0.2.3" \
        "$rt" -j "$ns" get 10.30.0.1
    atf_check -o inline:"delete net 10.20.0.0/16\n" "$rt" -j "$ns" delete -net 10.20.0.0/16
    atf_check -o inline:"delete net default: gateway 192.0.2.254\n" \
        "$rt" -j "$ns" delete default 192.0.2.254
    atf_check -s exit:1 -o inline:"delete net default: not in table\n" \
        -e inline:"route: writing to routing socket: No such process\n" \
        "$rt" -j "$ns" delete default
    atf_check -s exit:1 -e inline:"route: route has not been found\n" "$rt" -j "$ns" get 8.8.8.8
    atf_check -s exit:1 -o ignore -e match:"Network is unreachable" \
        "$rt" -j "$ns" add -net 10.60.0.0/16 198.51.100.1
    # IPv6, gateway picks the family; -q is quiet
    atf_check -o empty "$ifc" -j "$ns" epair0a inet6 2001:db8::1/64 alias
    atf_check -o empty -e empty "$rt" -j "$ns" -q add -inet6 default fe80::1%epair0a
    atf_check -o match:"^default via fe80::1 dev epair0a proto static" ip -n "$n" -6 route
    atf_check -o inline:"add net 2001:db8:5::/48: gateway 2001:db8::2\n" \
        "$rt" -j "$ns" add -net 2001:db8:5::/48 2001:db8::2
    atf_check -s exit:1 -o empty -e match:"^usage: route" "$rt" -j "$ns" add default
    atf_check -s exit:1 -e inline:"route: jail \"vjt_nosuchjail\" not found\n" \
        "$rt" -j vjt_nosuchjail get default
    nl_done
}
route_cleanup() { nl_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case epair
    atf_add_test_case bridge
    atf_add_test_case addresses
    atf_add_test_case attributes
    atf_add_test_case listing
    atf_add_test_case bridge_stp
    atf_add_test_case loopback_name
    atf_add_test_case jail_path
    atf_add_test_case vnet
    atf_add_test_case vlan
    atf_add_test_case loopback_clone
    atf_add_test_case route
}
