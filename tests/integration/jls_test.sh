#! /usr/bin/env atf-sh
# jls(8) against real jails: formats, selection, errors, JSON and XML.

. "$(atf_get_srcdir)/vjail.subr"

# mkjail SUFFIX [param ...]: a persistent jail rooted in ./root
mkjail()
{
    local n
    n=$(vj_name "$1")
    shift
    [ -d root ] || vj_mkroot root
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist "$@"
}

atf_test_case errors
errors_head()
{
    atf_set descr "not found, unknown parameter, usage: FreeBSD's messages, exit 1"
}
errors_body()
{
    local jls
    jls=$(vj_bin jls)
    atf_check -s exit:1 -e inline:"jls: jail \"$(vj_name nope)\" not found\n" \
        "$jls" -j "$(vj_name nope)"
    atf_check -s exit:1 -e inline:"jls: unknown parameter: bogus\n" "$jls" bogus
    atf_check -s exit:1 -e inline:"jls: unknown parameter: exec.start\n" "$jls" exec.start
    atf_check -s exit:1 -e match:"usage: jls \[-dhNnqv\] \[-j jail\] \[param ...\]" \
        "$jls" -Z
    atf_check -s exit:1 -e match:"unsupported" "$jls" --libxo html
    # -c: silent existence check
    atf_check -s exit:1 -o empty -e empty "$jls" -c -j "$(vj_name nope)"
    atf_check -s exit:1 -o empty -e empty "$jls" -cj 999998
}

atf_test_case header_always
header_always_head()
{
    atf_set descr "the default display prints its header and exits 0"
}
header_always_body()
{
    atf_check -o match:"^   JID  IP Address      Hostname                      Path$" \
        "$(vj_bin jls)"
    atf_check -o match:"^ JID             IP Address      Hostname                      Path$" \
        "$(vj_bin jls)" -N
}

atf_test_case default_table cleanup
default_table_head()
{
    atf_set descr "default, -N and -v displays of one jail, exact"
}
default_table_body()
{
    vj_require_root
    local n jid jls
    jls=$(vj_bin jls)
    n=$(vj_name)
    # addresses that exist on the host (loopback), as FreeBSD requires
    mkjail "" host.hostname=www.example.org ip4.addr=127.0.0.1
    jid=$("$jls" -j "$n" jid)
    atf_check -o inline:"   JID  IP Address      Hostname                      Path
$(printf '%6d  %-15s %-29s %s' "$jid" 127.0.0.1 www.example.org "$PWD/root")
" "$jls" -j "$n"
    atf_check -o inline:" JID             IP Address      Hostname                      Path
$(printf ' %-15s %-15s %-29s %s' "$n" 127.0.0.1 www.example.org "$PWD/root")
" "$jls" -N -j "$n"
    # FreeBSD's lines exactly, then vjail's rctl usage
    atf_check -o save:v.out "$jls" -v -j "$n"
    atf_check -o inline:"   JID  Hostname                      Path
        Name                          State
        CPUSetID
        IP Address(es)
$(printf '%6d  %-29s %s' "$jid" www.example.org "$PWD/root")
$(printf '        %-29s %s' "$n" ACTIVE)
        0
        127.0.0.1
" sed -n '1,8p' v.out
    atf_check -o match:"^        rctl usage: cputime=" sed -n '9p' v.out
    # the jail is in the full list too, exit 0
    atf_check -o match:"^ *$jid  127.0.0.1 " "$jls"
    # and by jid
    atf_check -o inline:"$n\n" "$jls" -j "$jid" name
    atf_check -s exit:0 -o empty -e empty "$jls" -c -j "$n"
    atf_check -s exit:0 -o empty -e empty "$jls" -cj "$jid"
}
default_table_cleanup()
{
    vj_cleanup
}

atf_test_case params cleanup
params_head()
{
    atf_set descr "parameter columns, -n, -q, -s, -h, all"
}
params_body()
{
    vj_require_root
    local n jls jid
    jls=$(vj_bin jls)
    n=$(vj_name)
    mkjail "" "host.hostname=a b" allow.raw_sockets
    jid=$("$jls" -j "$n" jid)
    atf_check -o inline:"$jid $n $PWD/root\n" "$jls" -j "$n" jid name path
    atf_check -o inline:"a b\n" "$jls" -j "$n" host.hostname
    atf_check -o inline:"\"a b\"\n" "$jls" -j "$n" -q host.hostname
    atf_check -o inline:"-\n" "$jls" -j "$n" ip4.addr
    atf_check -o inline:"name=$n persist allow.raw_sockets allow.nomount\n" \
        "$jls" -j "$n" -n name persist allow.raw_sockets allow.mount
    atf_check -o inline:"true false\n" "$jls" -j "$n" persist allow.mount
    atf_check -o inline:"jid name\n$jid $n\n" "$jls" -j "$n" -h jid name
    # -h / -n without parameters mean "all"
    atf_check -o match:"^devfs_ruleset .* jid .* name .* path .*allow\.mount" \
        "$jls" -j "$n" -h
    atf_check -o match:"host.hostname=\"a b\"" -o match:" persist " \
        -o match:"nodying" "$jls" -j "$n" -nq
    # -s: jail(8) input: read-only parameters left out, quoted
    atf_check -o match:"name=$n" -o match:"host.hostname=\"a b\"" \
        -o not-match:"dying" -o not-match:"children.cur" -o not-match:"parent=" \
        -o not-match:"cpuset.id" "$jls" -j "$n" -s
}
params_cleanup()
{
    vj_cleanup
}

atf_test_case libxo cleanup
libxo_head()
{
    atf_set descr "--libxo json / xml / text, parsed by python3"
}
libxo_body()
{
    vj_require_root
    command -v python3 >/dev/null || atf_skip "python3 is not installed"
    local n jls jid
    jls=$(vj_bin jls)
    n=$(vj_name)
    mkjail "" host.hostname=h.example ip4.addr=127.0.0.1 ip6.addr=::1
    jid=$("$jls" -j "$n" jid)
    # FreeBSD's shape, byte for byte, then vjail's rctl usage
    atf_check -o match:"^\{\"__version\": \"2\", \"jail-information\": \{\"jail\": \[\{\"jid\":$jid,\"ipv4\":\"127.0.0.1\",\"hostname\":\"h.example\",\"path\":\"$PWD/root\", \"usage\": \{\"cputime\":[0-9]+,.*\}\}\]\}\}$" \
        "$jls" -j "$n" --libxo json
    atf_check -o inline:"{\"__version\": \"2\", \"jail-information\": {\"jail\": [{\"name\":\"$n\",\"ip4.addr\": [\"127.0.0.1\"],\"ip6.addr\": [\"::1\"]}]}}\n" \
        "$jls" -j "$n" --libxo=json name ip4.addr ip6.addr
    # valid JSON in every mode, with the values in the right places
    for args in "" "-v" "-n" "-s" "all" "-N"; do
        "$jls" --libxo json -j "$n" $args > out.json ||
            atf_fail "jls --libxo json $args failed"
        atf_check -o ignore python3 -m json.tool out.json
    done
    "$jls" --libxo json -n -j "$n" > n.json
    atf_check -o inline:"True False ['127.0.0.1'] $n\n" python3 -c '
import json, sys
j = json.load(open("n.json"))
assert j["__version"] == "2"
jail = j["jail-information"]["jail"][0]
print(jail["persist"], jail["allow.mount"], jail["ip4.addr"], jail["name"])'
    "$jls" --libxo json -v -j "$n" > v.json
    atf_check -o inline:"$jid ACTIVE ['127.0.0.1'] ['::1']\n" python3 -c '
import json
jail = json.load(open("v.json"))["jail-information"]["jail"][0]
print(jail["jid"], jail["state"], jail["ipv4_addrs"], jail["ipv6_addrs"])'
    # the whole list parses as well
    "$jls" --libxo json > all.json
    atf_check -o match:"^ok$" python3 -c '
import json
j = json.load(open("all.json"))
assert isinstance(j["jail-information"]["jail"], list)
print("ok")'
    # XML
    "$jls" --libxo xml -j "$n" > out.xml
    atf_check -o inline:"2 h.example\n" python3 -c '
import xml.dom.minidom as m
d = m.parse("out.xml")
top = d.documentElement
assert top.tagName == "jail-information"
print(top.getAttribute("version"), d.getElementsByTagName("hostname")[0].firstChild.data)'
    # text is the default
    atf_check -o save:text.out "$jls" -j "$n" --libxo text
    atf_check -o file:text.out "$jls" -j "$n"
}
libxo_cleanup()
{
    vj_cleanup
}

atf_test_case several cleanup
several_head()
{
    atf_set descr "several jails, in jid order"
}
several_body()
{
    vj_require_root
    local jls a b
    jls=$(vj_bin jls)
    mkjail a
    mkjail b
    a=$("$jls" -j "$(vj_name a)" jid)
    b=$("$jls" -j "$(vj_name b)" jid)
    [ "$a" -lt "$b" ] || atf_fail "jids not increasing: $a $b"
    "$jls" name > names || atf_fail "jls name failed"
    atf_check -o inline:"$(vj_name a)\n$(vj_name b)\n" grep "^$(vj_prefix)_" names
    atf_check "$(vj_bin jail)" -r "$(vj_name a)"
    "$jls" name > names || atf_fail "jls name failed"
    atf_check -o inline:"$(vj_name b)\n" grep "^$(vj_prefix)_" names
}
several_cleanup()
{
    vj_cleanup
}

atf_test_case roundtrip cleanup
roundtrip_head()
{
    atf_set descr "jls -s output creates an identical jail with jail(8)"
}
roundtrip_body()
{
    vj_require_root
    local jls a b
    jls=$(vj_bin jls)
    a=$(vj_name a)
    b=$(vj_name b)
    # children.max draws a warning from jail(8) (security policy); the
    # round trip is what this case checks
    vj_mkroot root
    atf_check -e not-match:"Sanitizer|runtime error" "$(vj_bin jail)" -c name="$a" \
        path="$PWD/root" persist "host.hostname=a b" "meta=it's \"q\"" allow.raw_sockets \
        children.max=2
    "$jls" -s -j "$a" | sed -e 's/ jid=[0-9]*//' -e "s/name=$a /name=$b /" > b.params ||
        atf_fail "jls -s failed"
    grep -q "name=$b " b.params || atf_fail "no name in: $(cat b.params)"
    eval "set -- $(cat b.params)"
    atf_check -e not-match:"Sanitizer|runtime error" "$(vj_bin jail)" -c "$@"
    "$jls" -s -j "$b" | sed -e 's/ jid=[0-9]*//' > b.again
    atf_check -o file:b.params cat b.again
    atf_check -o inline:"it's \"q\"\n" "$jls" -j "$b" meta
}
roundtrip_cleanup()
{
    vj_cleanup
}

atf_test_case dying cleanup
dying_head()
{
    atf_set descr "-d shows a jail while it is being removed (from exec.poststop)"
}
dying_body()
{
    vj_require_root
    local n jls
    jls=$(vj_bin jls)
    n=$(vj_name)
    vj_mkroot root
    # exec.poststop runs after the jail was removed, before it is gone
    cat > hook.sh <<EOF
"$jls" -d -j $n -n name dying > "$PWD/d.out" 2>&1
"$jls" -d -v -j $n > "$PWD/v.out" 2>&1
"$jls" -j $n > "$PWD/nod.out" 2>&1
echo \$? >> "$PWD/nod.out"
"$jls" -d name > "$PWD/all.out" 2>&1
EOF
    cat > jail.conf <<EOF
$n {
    path = "$PWD/root";
    persist;
    exec.poststop = "sh $PWD/hook.sh";
}
EOF
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -r "$n"
    atf_check -o inline:"name=$n dying\n" cat d.out
    atf_check -o match:"^        $n +DYING$" cat v.out
    atf_check -o inline:"jls: jail \"$n\" not found\n1\n" cat nod.out
    atf_check -o match:"^$n$" cat all.out
}
dying_cleanup()
{
    vj_cleanup
}

atf_test_case vnet_addrs cleanup
vnet_addrs_head()
{
    atf_set descr "a VNET jail's addresses and interfaces in plain, -v, JSON and XML"
}
vnet_addrs_body()
{
    vj_require_root
    command -v python3 >/dev/null || atf_skip "python3 is not installed"
    local n p jls jid ifc
    jls=$(vj_bin jls)
    ifc=$(vj_bin libexec/ifconfig)
    n=$(vj_name)
    p=$(vj_name plain)
    atf_check "$(vj_bin jail)" -c name="$n" path=/ vnet persist
    atf_check "$(vj_bin jail)" -c name="$p" path=/ persist
    jid=$("$jls" -j "$n" jid)
    # only loopback so far: no address shown
    atf_check -o match:"^ *$jid {48}/$" "$jls" -j "$n"
    # an epair inside the jail's own namespace (both ends: nothing on the
    # host), configured from inside
    atf_check -o inline:"epair0a\n" "$(vj_bin jexec)" "$n" "$ifc" epair create
    atf_check "$(vj_bin jexec)" "$n" "$ifc" epair0a inet 192.0.2.1/24 up
    atf_check "$(vj_bin jexec)" "$n" "$ifc" epair0a inet6 2001:db8::1/64
    # plain: the first IPv4 address
    atf_check -o match:"^ *$jid  192\.0\.2\.1 {7}" -e empty "$jls" -j "$n"
    atf_check -o match:"^ *$jid  192\.0\.2\.1 " -e empty "$jls"
    # -v: FreeBSD's lines, every address, then the interfaces
    "$jls" -v -j "$n" > v.out 2> v.err || atf_fail "jls -v failed"
    atf_check -o empty cat v.err
    atf_check -o match:"^        192\.0\.2\.1$" cat v.out
    atf_check -o match:"^        2001:db8::1$" cat v.out
    atf_check -o match:"^        lo0: inet 127\.0\.0\.1/8 inet6 ::1/128$" cat v.out
    atf_check -o match:"^        epair0a: ether ([0-9a-f]{2}:){5}[0-9a-f]{2} inet 192\.0\.2\.1/24 .*inet6 2001:db8::1/64" \
        cat v.out
    atf_check -o match:"^        epair0b: ether " cat v.out
    atf_check -o match:"^        rctl usage: cputime=[0-9]+ " cat v.out
    # the first seven lines are FreeBSD's, unchanged
    atf_check -o inline:"$(printf '%6d  %-29s %s' "$jid" "" /)
$(printf '        %-29s %s' "$n" ACTIVE)
        0
        192.0.2.1
        2001:db8::1
" sed -n '5,9p' v.out
    # a jail without vnet shows no interfaces
    atf_check -o not-match:"ether|lo:" "$jls" -v -j "$p"
    # JSON
    for args in "" "-v"; do
        "$jls" --libxo json $args > out.json || atf_fail "jls --libxo json $args failed"
        atf_check -o ignore python3 -m json.tool out.json
    done
    "$jls" --libxo json -v -j "$n" > v.json
    atf_check -o inline:"['192.0.2.1'] ['2001:db8::1'] ['192.0.2.1/24'] True\n" python3 -c '
import json
jail = json.load(open("v.json"))["jail-information"]["jail"][0]
ifs = {i["name"]: i for i in jail["interfaces"]}
e = ifs["epair0a"]
assert len(e["mac"]) == 17 and e["mtu"] > 0 and ifs["lo0"]["inet"] == ["127.0.0.1/8"]
assert "2001:db8::1/64" in e["inet6"]
print(jail["ipv4_addrs"], jail["ipv6_addrs"], e["inet"], e["up"])'
    "$jls" --libxo json -j "$n" > d.json
    atf_check -o inline:"192.0.2.1 ['lo0', 'epair0a', 'epair0b']\n" python3 -c '
import json
jail = json.load(open("d.json"))["jail-information"]["jail"][0]
print(jail["ipv4"], [i["name"] for i in jail["interfaces"]])'
    "$jls" --libxo json -v -j "$p" > p.json
    atf_check -o inline:"False\n" python3 -c '
import json
print("interfaces" in json.load(open("p.json"))["jail-information"]["jail"][0])'
    # XML
    "$jls" --libxo xml -j "$n" > out.xml
    atf_check -o inline:"192.0.2.1/24\n" python3 -c '
import xml.dom.minidom as m
d = m.parse("out.xml")
for i in d.getElementsByTagName("interface"):
    if i.getElementsByTagName("name")[0].firstChild.data == "epair0a":
        print(i.getElementsByTagName("inet")[0].firstChild.data)'
    # IPv6 only: the plain display falls back to it
    atf_check "$(vj_bin jexec)" "$n" "$ifc" epair0a inet 192.0.2.1/24 -alias
    atf_check -o match:"^ *$jid  2001:db8::1 " "$jls" -j "$n"
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check "$(vj_bin jail)" -r "$p"
}
vnet_addrs_cleanup()
{
    vj_cleanup
}

atf_test_case rctl_usage cleanup
rctl_usage_head()
{
    atf_set descr "rctl usage in jls -v, JSON and usage.RESOURCE columns, as rctl -u"
}
rctl_usage_body()
{
    vj_require_root
    command -v python3 >/dev/null || atf_skip "python3 is not installed"
    local n jls rctl
    jls=$(vj_bin jls)
    rctl=$(vj_bin rctl)
    n=$(vj_name)
    vj_mkroot root
    atf_check "$rctl" -a "jail:$n:maxproc:deny=100"
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist mount.devfs \
        exec.start="sleep 300 </dev/null >/dev/null 2>&1 &"
    # one process (the sleep): the same count everywhere
    atf_check -o match:"^maxproc=1$" "$rctl" -u "jail:$n"
    atf_check -o inline:"1\n" "$jls" -j "$n" usage.maxproc
    atf_check -o inline:"name=$n usage.maxproc=1\n" "$jls" -n -j "$n" name usage.maxproc
    atf_check -o match:"^        rctl usage: cputime=[0-9]+ datasize=[0-9]+ " "$jls" -v -j "$n"
    atf_check -o match:"^ +memoryuse=[1-9][0-9]* memorylocked=[0-9]+ maxproc=1 " \
        "$jls" -v -j "$n"
    # the text table is FreeBSD's
    atf_check -o not-match:"usage" "$jls" -j "$n"
    for args in "" "-v"; do
        "$jls" --libxo json $args -j "$n" > u.json || atf_fail "jls --libxo json $args failed"
        atf_check -o ignore python3 -m json.tool u.json
        atf_check -o inline:"1 True 25\n" python3 -c '
import json
u = json.load(open("u.json"))["jail-information"]["jail"][0]["usage"]
print(u["maxproc"], u["memoryuse"] > 0, len(u))'
    done
    "$jls" --libxo xml -v -j "$n" > u.xml
    atf_check -o inline:"1\n" python3 -c '
import xml.dom.minidom as m
u = m.parse("u.xml").getElementsByTagName("usage")[0]
print(u.getElementsByTagName("maxproc")[0].firstChild.data)'
    atf_check -s exit:1 -e inline:"jls: unknown parameter: usage.bogus\n" "$jls" usage.bogus
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check "$rctl" -r "jail:$n"
}
rctl_usage_cleanup()
{
    vj_cleanup
    "$(vj_bin rctl)" -r "jail:$(vj_name)" >/dev/null 2>&1
    return 0
}

atf_init_test_cases()
{
    atf_add_test_case errors
    atf_add_test_case header_always
    atf_add_test_case default_table
    atf_add_test_case params
    atf_add_test_case libxo
    atf_add_test_case several
    atf_add_test_case roundtrip
    atf_add_test_case dying
    atf_add_test_case vnet_addrs
    atf_add_test_case rctl_usage
}
