#! /usr/bin/env atf-sh
# Ports of FreeBSD's usr.sbin/jail/tests/jail_basic_test.sh (spec 9.1).
# Differences: `basic` uses vnet instead of ip4.addr; jail names carry the
# test-case prefix so the cleanup finds them.  nested_test.sh covers
# managing children from inside their parent beyond FreeBSD's case.

. "$(atf_get_srcdir)/vjail.subr"

atf_test_case basic cleanup
basic_head()
{
    atf_set descr "create, list, remove by name and jid, -cm, -rc"
}
basic_body()
{
    vj_require_root
    local n jail jls jid jid2
    n=$(vj_name)
    jail=$(vj_bin jail)
    jls=$(vj_bin jls)
    atf_check "$jail" -c name="$n" persist vnet
    atf_check -o match:"$n" "$jls" -n
    atf_check -o not-empty "$jls"
    atf_check -o not-empty "$jls" -v
    atf_check "$jail" -r "$n"
    atf_check -s exit:1 -e ignore "$jls" -j "$n"
    atf_check "$jail" -c name="$n" persist vnet
    jid=$("$jls" -j "$n" jid)
    atf_check "$jail" -r "$jid"
    atf_check -s exit:1 -e ignore "$jls" -j "$n"
    # -cm: creates when absent, modifies when present
    atf_check "$jail" -cm name="$n" persist host.hostname=one
    atf_check -o inline:"one\n" "$jls" -j "$n" host.hostname
    atf_check "$jail" -cm name="$n" persist host.hostname=two
    atf_check -o inline:"two\n" "$jls" -j "$n" host.hostname
    # -rc: restart gets a new jid
    jid=$("$jls" -j "$n" jid)
    atf_check "$jail" -rc name="$n" persist
    jid2=$("$jls" -j "$n" jid)
    [ "$jid" != "$jid2" ] || atf_fail "-rc kept jid $jid"
    atf_check "$jail" -r "$n"
}
basic_cleanup() { vj_cleanup; }

atf_test_case commands cleanup
commands_head()
{
    atf_set descr "exec.prestart/poststart/prestop output and JID/JNAME/JPATH"
}
commands_body()
{
    vj_require_root
    local n jid
    n=$(vj_name)
    cat > jail.conf <<CONF
exec.prestop = "echo STOP";
exec.prestart = "echo START";
exec.poststart = "env";
persist;

$n {
}
CONF
    echo "path = \"$PWD\";" >> jail.conf
    atf_check -o save:stdout -e empty "$(vj_bin jail)" -f jail.conf -qc "$n"
    atf_check grep -qE '^START$' stdout
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check grep -qE "^JID=$jid$" stdout
    atf_check grep -qE "^JNAME=$n$" stdout
    atf_check grep -qE "^JPATH=$PWD$" stdout
    atf_check -o inline:"STOP\n" -e empty "$(vj_bin jail)" -f jail.conf -qr "$n"
    # the same when removing by jid
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -qc "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check -o inline:"STOP\n" -e empty "$(vj_bin jail)" -f jail.conf -qr "$jid"
}
commands_cleanup() { vj_cleanup; }

# A jid nobody uses (FreeBSD's test asks jls -c for one).
free_jid()
{
    local j=$((200000 + $$ % 100000))
    while "$(vj_bin jls)" -c -j "$j"; do
        j=$((j + 1))
    done
    echo "$j"
}

atf_test_case jid_name_set cleanup
jid_name_set_head()
{
    atf_set descr "numeric block names and explicit jid/name"
}
jid_name_set_body()
{
    vj_require_root
    local n jid
    n=$(vj_name)
    jid=$(free_jid)
    cat > jail.conf <<CONF
$jid {
    name = "$n";
    persist;
}
CONF
    atf_check -o match:"$jid: created" "$(vj_bin jail)" -f jail.conf -c "$jid"
    atf_check -o inline:"$n\n" "$(vj_bin jls)" -j "$jid" name
    atf_check -o match:"$jid: removed" "$(vj_bin jail)" -f jail.conf -r "$jid"

    cat > jail.conf <<CONF
$jid {
    host.hostname = "\${name}";
    persist;
}
CONF
    # FreeBSD names this jail after its jid; the test prefix does not apply
    atf_check -o match:"$jid: created" "$(vj_bin jail)" -f jail.conf -c "$jid"
    atf_check -o inline:"$jid\n" "$(vj_bin jls)" -j "$jid" host.hostname
    atf_check -o match:"$jid: removed" "$(vj_bin jail)" -f jail.conf -r "$jid"

    cat > jail.conf <<CONF
$n {
    jid = $jid;
    persist;
}
CONF
    atf_check -o match:"$n: created" "$(vj_bin jail)" -f jail.conf -c "$n"
    atf_check -o inline:"$jid\n" "$(vj_bin jls)" -j "$n" jid
    atf_check -o match:"$n: removed" "$(vj_bin jail)" -f jail.conf -r "$n"
}
jid_name_set_cleanup()
{
    vj_cleanup
    # the middle jail is named by its jid
    local j
    for j in $("$(vj_bin jls)" -d jid host.hostname | awk '$1 == $2 { print $1 }'); do
        [ "$j" -ge 200000 ] && "$(vj_bin jail)" -r "$j" >/dev/null 2>&1
    done
    return 0
}

atf_test_case param_consistency cleanup
param_consistency_head()
{
    atf_set descr "command-line and config jails removed by name, numeric name, jid (non-VNET half)"
}
param_consistency_body()
{
    vj_require_root
    local n jid
    n=$(vj_name)
    # a command jail with exec.poststart and no config works and is gone after
    atf_check "$(vj_bin jail)" -c name="$n" path=/ exec.poststart="true" command=/bin/true
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"

    cat > jail.conf <<CONF
$n {
    persist;
    exec.prestop = 'echo STOP';
    exec.poststop = 'echo JID=\$JID';
}
CONF
    atf_check -o match:"$n: created" "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check -o save:out "$(vj_bin jail)" -f jail.conf -r "$n"
    atf_check grep -q '^STOP$' out
    atf_check grep -q "^JID=$jid\$" out

    # by jid: the config's hooks still apply (the jail's name matches)
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check -o save:out "$(vj_bin jail)" -f jail.conf -r "$jid"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"
}
param_consistency_cleanup() { vj_cleanup; }

atf_test_case nested cleanup
nested_head()
{
    atf_set descr "jails inside a jail: FreeBSD's nested test (children.max, prison limit," \
        "jls inside), names parent.child, monotonic policy, children removed with the parent"
}
nested_body()
{
    vj_require_root
    local n jail jls jexec jid cg
    n=$(vj_name)
    jail=$(vj_bin jail)
    jls=$(vj_bin jls)
    jexec=$(vj_bin jexec)
    # FreeBSD: without children.max jail(8) inside fails
    atf_check "$jail" -c name="${n}_0" path=/ persist
    atf_check -s exit:1 -o empty -e inline:"jail: jail_set: Operation not permitted\n" \
        "$jexec" "${n}_0" "$jail" -c name=nestedjail persist
    atf_check -o match:"JID" "$jexec" "${n}_0" "$jls"
    atf_check -o empty "$jexec" "${n}_0" "$jls" -n
    atf_check "$jail" -r "${n}_0"

    # FreeBSD: children.max=1, one child, the second one is refused
    atf_check "$jail" -c name="$n" path=/ persist children.max=1
    atf_check -o empty -e empty "$jexec" "$n" "$jail" -c name=nestedjail persist \
        host.hostname=vjt.nested
    atf_check -s exit:1 -o empty -e inline:"jail: prison limit exceeded\n" \
        "$jexec" "$n" "$jail" -c name=secondnestedjail persist
    # inside, names are relative; outside the child is parent.child
    jid=$("$jls" -j "$n.nestedjail" jid)
    atf_check -o inline:"$jid $n.nestedjail /\n" "$jls" -j "$n.nestedjail" jid name path
    atf_check -o match:"^ *$jid +vjt.nested +/\$" "$jexec" "$n" "$jls"
    atf_check -o match:" name=nestedjail " "$jexec" "$n" "$jls" -n
    atf_check -o match:"nestedjail" "$jexec" "$n" "$jls" -v
    atf_check -o inline:"$jid nestedjail\n" "$jexec" "$n" "$jls" -j nestedjail jid name
    atf_check -o inline:"vjt.nested\n" "$jexec" "$n.nestedjail" hostname
    # the child's processes are in the parent's PID name space
    atf_check -o match:"vjail-sup: $n.nestedjail" "$jexec" "$n" ps ax
    cg=$(awk '$1 == "cgroup" { print $2 }' "/run/vjail/jails/$jid")
    [ -n "$cg" ] && [ -d "$cg" ] || atf_fail "no cgroup for the child"
    # removing the parent removes the child, leaving nothing
    atf_check "$jail" -r "$n"
    atf_check -s exit:1 -e ignore "$jls" -j "$n.nestedjail"
    [ ! -e "/run/vjail/jails/$jid" ] || atf_fail "child's registry entry left"
    [ ! -d "$cg" ] || atf_fail "child's cgroup left"
}
nested_cleanup() { vj_cleanup; }

atf_test_case nested_limits cleanup
nested_limits_head()
{
    atf_set descr "jails inside a jail get no more than their parent and nothing of the host"
}
nested_limits_body()
{
    vj_require_root
    local n jail jexec
    n=$(vj_name)
    jail=$(vj_bin jail)
    jexec=$(vj_bin jexec)
    atf_check "$jail" -c name="$n" path=/ persist children.max=2
    # FreeBSD: a child never gets more than its parent
    atf_check -s exit:1 -e match:"allow.raw_sockets" \
        "$jexec" "$n" "$jail" -c name=c1 persist allow.raw_sockets
    atf_check -s exit:1 -e match:"children.max: jail_set: Operation not permitted" \
        "$jexec" "$n" "$jail" -c name=c1 persist children.max=2
    # nothing that would act on the host
    for p in exec.prestart=true exec.poststop=true mount.devfs vnet jid=7 \
        exec.consolelog=/tmp/x ip4.addr=127.0.0.2 path=/etc; do
        atf_check -s exit:1 -e not-empty "$jexec" "$n" "$jail" -c name=c1 persist "$p"
    done
    atf_check -s exit:1 -e not-empty "$jexec" "$n" "$jail" -c name=a.b persist
    # only root in the jail may ask
    atf_check -s exit:1 -e ignore "$jexec" -U nobody "$n" "$jail" -c name=c1 persist
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n.c1"
    # exec.start runs in the child, under its policy
    atf_check -o match:"^CapEff:.0000000000000000" "$jexec" "$n" "$jail" -c name=c2 persist \
        allow.nosuser exec.start="grep CapEff /proc/self/status"
    atf_check "$jail" -r "$n"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n.c2"
}
nested_limits_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case basic
    atf_add_test_case commands
    atf_add_test_case jid_name_set
    atf_add_test_case param_consistency
    atf_add_test_case nested
    atf_add_test_case nested_limits
}
