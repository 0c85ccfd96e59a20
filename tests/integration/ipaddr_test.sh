#! /usr/bin/env atf-sh
# FreeBSD's IP restriction of a jail without its own network stack (ip4,
# ip4.addr, ip6, ip6.addr): binds, connects and UDP sends of the jail's
# processes use only its addresses.  Traffic stays on the host's loopback
# (127.0.0.0/8 and ::1 are all local on Linux, so no address is added).

. "$(atf_get_srcdir)/vjail.subr"

setup()
{
    vj_require_root
    command -v python3 >/dev/null || atf_skip "python3 is needed for the socket probes"
    # probe.py: each argument a socket operation, one line of result each
    cat > probe.py <<'EOF'
import errno, socket, sys
def fam(a): return socket.AF_INET6 if ':' in a else socket.AF_INET
def err(e): return errno.errorcode.get(e.errno, str(e.errno))
for op in sys.argv[1:]:
    kind, _, arg = op.partition('=')
    try:
        if kind == 'bind':
            s = socket.socket(fam(arg), socket.SOCK_STREAM)
            s.bind((arg, 0))
            print('bind', arg, s.getsockname()[0])
        elif kind == 'socket':
            socket.socket(socket.AF_INET6 if arg == '6' else socket.AF_INET).close()
            print('socket', arg, 'ok')
        elif kind == 'connect':
            host, port = arg.rsplit(':', 1)
            c = socket.create_connection((host.strip('[]'), int(port)))
            print('connect', host, c.getsockname()[0], c.getpeername()[0])
        elif kind == 'udp':
            host, port = arg.rsplit(':', 1)
            u = socket.socket(fam(host), socket.SOCK_DGRAM)
            u.sendto(b'x', (host.strip('[]'), int(port)))
            print('udp', host, 'sent')
    except OSError as e:
        print(kind, arg, err(e))
EOF
    # server.py PORTFILE: accept one TCP connection and one UDP datagram on
    # the loopback (all of 127/8), print where they came from
    cat > server.py <<'EOF'
import socket, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(('0.0.0.0', 0)); t.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', t.getsockname()[1]))
open(sys.argv[1] + '.tmp', 'w').write(str(t.getsockname()[1]))
import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
t.settimeout(20); u.settimeout(20)
c, a = t.accept(); print('tcp from', a[0], flush=True); c.close()
d, a = u.recvfrom(16); print('udp from', a[0], flush=True)
EOF
    # ./run_in JAIL-PARAMETERS... -- PROBE-ARGUMENTS...: the probe in a
    # command-line jail on the host's root
    cat > run_in <<EOF
#!/bin/sh
jail=$(vj_bin jail) probe=$PWD/probe.py
EOF
    cat >> run_in <<'EOF'
n=0
for a; do [ "$a" = -- ] && break; n=$((n + 1)); done
params=""
while [ "$n" -gt 0 ]; do params="$params $1"; shift; n=$((n - 1)); done
shift
exec "$jail" -c path=/ $params command=/usr/bin/python3 "$probe" "$@"
EOF
    chmod +x run_in
}


atf_test_case ip4 cleanup
ip4_head() { atf_set descr "ip4.addr: wildcard and loopback binds become the first address, others fail; no IPv6"; }
ip4_body()
{
    setup
    atf_check -o inline:"bind 0.0.0.0 127.0.1.5
bind 127.0.0.1 127.0.1.5
bind 127.0.1.6 127.0.1.6
bind 127.0.0.2 EADDRNOTAVAIL
socket 4 ok
socket 6 EAFNOSUPPORT
" -e empty ./run_in ip4.addr=127.0.1.5 ip4.addr=127.0.1.6 -- \
        bind=0.0.0.0 bind=127.0.0.1 bind=127.0.1.6 bind=127.0.0.2 socket=4 socket=6
}
ip4_cleanup() { vj_cleanup; }

atf_test_case source cleanup
source_head() { atf_set descr "ip4.addr: connections and UDP from the jail come from its address, its loopback is its address"; }
source_body()
{
    setup
    python3 server.py port > server.out &
    local srv=$! port i
    for i in $(seq 50); do [ -s port ] && break; sleep 0.1; done
    port=$(cat port) || atf_fail "no server"
    atf_check -o inline:"connect 127.0.0.1 127.0.1.5 127.0.1.5
udp 127.0.0.1 sent
" -e empty ./run_in ip4.addr=127.0.1.5 -- connect=127.0.0.1:"$port" udp=127.0.0.1:"$port"
    wait "$srv"
    atf_check -o inline:"tcp from 127.0.1.5\nudp from 127.0.1.5\n" cat server.out
}
source_cleanup() { pkill -f "python3 $PWD/server.py" 2>/dev/null; vj_cleanup; }

atf_test_case ip6 cleanup
ip6_head() { atf_set descr "ip6.addr: the IPv6 wildcard binds the jail's address; no IPv4"; }
ip6_body()
{
    setup
    [ -e /proc/net/if_inet6 ] || atf_skip "no IPv6 on this host"
    atf_check -o inline:"bind :: ::1
bind ::2 EADDRNOTAVAIL
socket 4 EAFNOSUPPORT
" -e empty ./run_in ip6.addr=::1 -- bind=:: bind=::2 socket=4
}
ip6_cleanup() { vj_cleanup; }

atf_test_case unrestricted cleanup
unrestricted_head() { atf_set descr "without ip4/ip6 parameters a jail has no IP (FreeBSD); with inherit it uses the host's addresses freely"; }
unrestricted_body()
{
    setup
    atf_check -o inline:"socket 4 EAFNOSUPPORT
socket 6 EAFNOSUPPORT
" -e empty ./run_in -- socket=4 socket=6
    atf_check -o inline:"bind 0.0.0.0 0.0.0.0
bind 127.0.0.2 127.0.0.2
socket 6 ok
" -e empty ./run_in ip4=inherit ip6=inherit -- bind=0.0.0.0 bind=127.0.0.2 socket=6
    # one family inherited, the other not mentioned: disabled
    atf_check -o inline:"socket 4 ok
socket 6 EAFNOSUPPORT
" -e empty ./run_in ip4=inherit -- socket=4 socket=6
}
unrestricted_cleanup() { vj_cleanup; }

atf_test_case jexec_child cleanup
jexec_child_head() { atf_set descr "processes entered with jexec and child jails are restricted as well"; }
jexec_child_body()
{
    setup
    local n jx
    n=$(vj_name p)
    jx=$(vj_bin jexec)
    atf_check "$(vj_bin jail)" -c name="$n" path=/ ip4.addr=127.0.1.5 children.max=2 persist
    atf_check -o inline:"bind 0.0.0.0 127.0.1.5\nsocket 6 EAFNOSUPPORT\n" \
        "$jx" "$n" /usr/bin/python3 "$PWD/probe.py" bind=0.0.0.0 socket=6
    # a child: ip4=inherit gives it the parent's restriction; not mentioned,
    # the family is disabled (FreeBSD); addresses of its own: refused
    atf_check "$(vj_bin jail)" -c name="$n.c" path=/ ip4=inherit persist
    atf_check -o inline:"bind 0.0.0.0 127.0.1.5\nbind 127.0.1.9 EADDRNOTAVAIL\n" \
        "$jx" "$n.c" /usr/bin/python3 "$PWD/probe.py" bind=0.0.0.0 bind=127.0.1.9
    atf_check "$(vj_bin jail)" -r "$n.c"
    atf_check "$(vj_bin jail)" -c name="$n.c" path=/ persist
    atf_check -o inline:"socket 4 EAFNOSUPPORT\n" \
        "$jx" "$n.c" /usr/bin/python3 "$PWD/probe.py" socket=4
    atf_check -s exit:1 -e inline:"jail: ip4.addr: cannot be set for a child jail\n" \
        "$(vj_bin jail)" -c name="$n.d" path=/ ip4.addr=127.0.1.9 persist
    atf_check "$(vj_bin jail)" -r "$n"
}
jexec_child_cleanup() { vj_cleanup; }

atf_test_case errors cleanup
errors_head() { atf_set descr "VNET with an address restriction, -m of the addresses, bad addresses"; }
errors_body()
{
    setup
    local n jail
    n=$(vj_name e)
    jail=$(vj_bin jail)
    atf_check -s exit:1 -e inline:"jail: ip4.addr: vnet jails cannot have IP address restrictions\n" \
        "$jail" -c path=/ vnet ip4.addr=10.0.0.1 command=/bin/true
    atf_check -s exit:1 -e inline:"jail: ip6: vnet jails cannot have IP address restrictions\n" \
        "$jail" -c path=/ vnet ip6=disable command=/bin/true
    atf_check -e empty "$jail" -c path=/ vnet ip4=inherit command=/bin/true
    atf_check -s exit:1 -e inline:"jail: ip4.addr: invalid IPv4 address \"300.1.1.1\"\n" \
        "$jail" -c path=/ ip4.addr=300.1.1.1 command=/bin/true
    atf_check -e empty "$jail" -c name="$n" path=/ ip4.addr=127.0.1.5 persist
    atf_check -s exit:1 -e inline:"jail: ip4.addr cannot be changed after creation\n" \
        "$jail" -m name="$n" ip4.addr=127.0.1.6
    atf_check "$jail" -r "$n"
}
errors_cleanup() { vj_cleanup; }

# lo_has ADDR: is ADDR (with its length) an address of the host's lo?
lo_has() { ip -o addr show dev lo | grep -q " $1 "; }

atf_test_case aliases cleanup
aliases_head() { atf_set descr "iface|addr and interface= add the address to the host interface and every end removes it"; }
aliases_body()
{
    vj_require_root
    command -v ip >/dev/null || atf_skip "ip (iproute2) is not installed"
    local n jail
    n=$(vj_name a)
    jail=$(vj_bin jail)
    # FreeBSD's order and -v lines: IPv4 first; removal after the unmounts, reversed
    atf_check -o match:"^ifconfig lo inet 127.0.1.77/32 alias$" -e empty \
        "$jail" -v -c name="$n" path=/ ip4.addr="lo|127.0.1.77" persist
    lo_has 127.0.1.77/32 || atf_fail "127.0.1.77 not added to lo"
    atf_check -o ignore "$jail" -r "$n"
    ! lo_has 127.0.1.77/32 || atf_fail "127.0.1.77 left on lo after jail -r"
    # with interface=, a mask, and IPv6
    if [ -e /proc/net/if_inet6 ]; then
        atf_check "$jail" -c name="$n" path=/ interface=lo ip4.addr=127.0.1.78/24 \
            ip6.addr=fd00:77::1/64 persist
        lo_has 127.0.1.78/24 && lo_has fd00:77::1/64 || atf_fail "aliases not added: $(ip -o addr show dev lo)"
        atf_check "$jail" -r "$n"
        ! lo_has 127.0.1.78/24 && ! lo_has fd00:77::1/64 || atf_fail "aliases left"
    fi
    # rollback of a failed creation
    atf_check -s exit:1 -e inline:"jail: false: failed\n" \
        "$jail" -c path=/ ip4.addr="lo|127.0.1.79" exec.prestart=false persist
    ! lo_has 127.0.1.79/32 || atf_fail "alias left after a rollback"
    # a jail that ends by itself (its supervisor removes it)
    atf_check -o match:"127.0.1.79/32" "$jail" -c path=/ ip4.addr="lo|127.0.1.79" \
        command=/bin/sh -c "ip -o addr show dev lo"
    for i in $(seq 100); do lo_has 127.0.1.79/32 || break; sleep 0.05; done
    ! lo_has 127.0.1.79/32 || atf_fail "alias left after the jail ended"
    # the supervisor killed: the next jls releases the jail, alias included
    atf_check "$jail" -c name="$n" path=/ ip4.addr="lo|127.0.1.79" persist
    local jid sup
    jid=$("$(vj_bin jls)" -j "$n" jid)
    sup=$(awk '$1 == "sup" { print $2 }' "/run/vjail/jails/$jid")
    [ -n "$sup" ] || atf_fail "no supervisor recorded"
    kill -KILL "$sup"
    vj_wait_exited "$sup"
    atf_check -o not-match:"$n" "$(vj_bin jls)" -d -n
    ! lo_has 127.0.1.79/32 || atf_fail "alias left after the supervisor was killed"
    # an address that is there already: an error, and it stays
    ip addr add 127.0.1.80/32 dev lo || atf_fail "ip addr add"
    atf_check -s exit:1 -e match:"lo: inet 127.0.1.80/32: File exists" \
        "$jail" -c path=/ ip4.addr="lo|127.0.1.80" command=/bin/true
    lo_has 127.0.1.80/32 || atf_fail "an address that was there before was removed"
    ip addr del 127.0.1.80/32 dev lo
}
aliases_cleanup()
{
    vj_cleanup
    for a in 127.0.1.77/32 127.0.1.78/24 127.0.1.79/32 127.0.1.80/32 fd00:77::1/64; do
        ip addr del "$a" dev lo 2>/dev/null
    done
    true
}

atf_test_case ip_hostname cleanup
ip_hostname_head() { atf_set descr "ip_hostname (jail -h) adds the addresses host.hostname resolves to"; }
ip_hostname_body()
{
    setup
    getent ahostsv4 localhost | grep -q '^127\.0\.0\.1 ' || atf_skip "localhost does not resolve to 127.0.0.1 here"
    local n
    n=$(vj_name h)
    atf_check "$(vj_bin jail)" -c name="$n" path=/ host.hostname=localhost ip_hostname persist
    atf_check -o match:"^127\.0\.0\.1( |$)" "$(vj_bin jls)" -j "$n" ip4.addr
    atf_check -o inline:"bind 0.0.0.0 127.0.0.1\n" \
        "$(vj_bin jexec)" "$n" /usr/bin/python3 "$PWD/probe.py" bind=0.0.0.0
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check -s exit:1 -e match:"^jail: ip_hostname: vjt-none\.invalid: " \
        "$(vj_bin jail)" -h -c path=/ host.hostname=vjt-none.invalid command=/bin/true
}
ip_hostname_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case ip_hostname
    atf_add_test_case aliases
    atf_add_test_case ip4
    atf_add_test_case source
    atf_add_test_case ip6
    atf_add_test_case unrestricted
    atf_add_test_case jexec_child
    atf_add_test_case errors
}
