#! /usr/bin/env atf-sh
# Child jails managed from inside their parent: jail -c, -m, -r, jexec and
# jls run by the parent's root (FreeBSD lets a jail's root manage its
# descendants), the limits a child gets, and what the parent can see of
# the host meanwhile.  The parent has its own root (not the host's /) with
# the host's /usr and the build directory mounted read-only in it, so the
# programs under test run inside.

. "$(atf_get_srcdir)/vjail.subr"

# mkparent NAME [PARAM ...]: a persistent parent jail with children.max=3
# and its own root ./root.
mkparent()
{
    local n=$1 b d
    shift
    b=$(vj_builddir)
    mkdir -p root/usr root/etc root/dev root/proc root/tmp root/run root/root "root$b" ||
        atf_fail "cannot make the parent's root"
    chmod 1777 root/tmp
    set -- mount="/usr $PWD/root/usr nullfs ro 0 0" mount="$b $PWD/root$b nullfs ro 0 0" "$@"
    for d in bin sbin lib lib64 lib32 libx32; do
        if [ -L "/$d" ]; then
            ln -s "$(readlink "/$d")" "root/$d"
        elif [ -d "/$d" ]; then
            mkdir "root/$d"
            set -- mount="/$d $PWD/root/$d nullfs ro 0 0" "$@"
        fi
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nvjuser:x:1001:1001::/tmp:/bin/sh\n' > root/etc/passwd
    printf 'root:x:0:\nvjuser:x:1001:\n' > root/etc/group
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist children.max=3 \
        mount.devfs mount.procfs "$@"
}

# The programs under test (they run inside the parent too).
progs()
{
    jail=$(vj_bin jail)
    jls=$(vj_bin jls)
    jexec=$(vj_bin jexec)
}

atf_test_case manage cleanup
manage_head()
{
    atf_set descr "the parent's root creates, lists, changes, enters and removes its children"
}
manage_body()
{
    vj_require_root
    progs
    local n jid cg
    n=$(vj_name)
    mkparent "$n"
    atf_check -o empty -e empty "$jexec" "$n" "$jail" -c name=c1 persist host.hostname=one
    jid=$("$(vj_bin jls)" -j "$n.c1" jid)
    # jls inside lists the children by their relative names
    atf_check -o inline:"$jid c1 one\n" "$jexec" "$n" "$jls" jid name host.hostname
    atf_check -o inline:"c1\n" "$jexec" "$n" "$jls" -j "$jid" name
    # -m: what may change on a running jail
    atf_check -o empty -e empty "$jexec" "$n" "$jail" -m name=c1 host.hostname=two
    atf_check -o inline:"two\n" "$jexec" "$n" "$jexec" c1 hostname
    atf_check -o inline:"two\n" "$(vj_bin jls)" -j "$n.c1" host.hostname
    atf_check -s exit:1 -e match:"path cannot be changed after creation|path: only the parent" \
        "$jexec" "$n" "$jail" -m name=c1 path=/tmp
    # jexec: status, directory, users (-u the parent's, -U the child's)
    atf_check -s exit:7 "$jexec" "$n" "$jexec" c1 sh -c 'exit 7'
    atf_check -s exit:143 "$jexec" "$n" "$jexec" c1 sh -c 'kill -TERM $$'
    atf_check -o inline:"/tmp\n" "$jexec" "$n" "$jexec" -d /tmp c1 pwd
    atf_check -o inline:"1001\n" "$jexec" "$n" "$jexec" -U vjuser c1 id -u
    atf_check -o inline:"1001\n" "$jexec" "$n" "$jexec" -u vjuser c1 id -u
    atf_check -o inline:"/tmp\n" "$jexec" "$n" "$jexec" -l -U vjuser c1 pwd
    atf_check -o inline:"xyz\n" -x "echo xyz | VJT_V=1 $(vj_bin jexec) $n $(vj_bin jexec) c1 cat"
    atf_check -o inline:"1\n" "$jexec" "$n" env VJT_V=1 "$(vj_bin jexec)" c1 sh -c 'echo $VJT_V'
    atf_check -s exit:1 -e inline:"jexec: jail \"nosuch\" not found\n" "$jexec" "$n" "$jexec" nosuch true
    # signals to jexec reach the command
    atf_check -o inline:"143\n" "$jexec" "$n" sh -c \
        "$(vj_bin jexec) c1 sleep 60 & p=\$!; sleep 1; kill -TERM \$p; wait \$p; echo \$?"
    # the child's processes are the parent's to see
    atf_check -o match:"vjail-sup: $n.c1" "$jexec" "$n" ps ax
    cg=$(awk '$1 == "cgroup" { print $2 }' "/run/vjail/jails/$jid")
    # -r: removed, with nothing left
    atf_check -o empty -e empty "$jexec" "$n" "$jail" -r c1
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n.c1"
    atf_check -o empty "$jexec" "$n" "$jls" name
    [ ! -e "/run/vjail/jails/$jid" ] || atf_fail "child's registry entry left"
    [ -z "$cg" ] || [ ! -d "$cg" ] || atf_fail "child's cgroup left"
    atf_check -s exit:1 -e inline:"jail: \"c1\" not found\n" "$jexec" "$n" "$jail" -r c1
    # grandchildren: "child.grandchild" inside the parent
    atf_check "$jexec" "$n" "$jail" -c name=c3 persist children.max=1
    # (c3 has no /proc: sanitizer builds warn on stderr there)
    atf_check -e ignore "$jexec" "$n" "$jexec" c3 "$jail" -c name=g persist host.hostname=gh
    atf_check -o inline:"c3\nc3.g\n" "$jexec" "$n" "$jls" name
    atf_check -o inline:"g\n" -e ignore "$jexec" "$n" "$jexec" c3 "$jls" name
    atf_check -o inline:"gh\n" "$jexec" "$n" "$jexec" c3.g hostname
    atf_check "$jexec" "$n" "$jail" -m name=c3.g host.hostname=gh2
    atf_check -o inline:"gh2\n" "$(vj_bin jls)" -j "$n.c3.g" host.hostname
    atf_check -s exit:1 -e match:"children.max: jail_set: Operation not permitted" \
        "$jexec" "$n" "$jail" -m name=c3.g children.max=1
    atf_check -s exit:1 -e match:"plain name" "$jexec" "$n" "$jail" -c name=c3.h persist
    atf_check "$jexec" "$n" "$jail" -r c3.g
    atf_check -o inline:"c3\n" "$jexec" "$n" "$jls" name
    atf_check "$jexec" "$n" "$jail" -r c3
    # by JID, with -v
    atf_check "$jexec" "$n" "$jail" -c name=c2 persist
    jid=$("$(vj_bin jls)" -j "$n.c2" jid)
    atf_check -o inline:"$jid: removed\n" "$jexec" "$n" "$jail" -rv "$jid"
    atf_check "$(vj_bin jail)" -r "$n"
}
manage_cleanup() { vj_cleanup; }

atf_test_case config cleanup
config_head()
{
    atf_set descr "children from the parent's own jail.conf: messages, exec.start, -rc, -R, users"
}
config_body()
{
    vj_require_root
    progs
    local n
    n=$(vj_name)
    mkparent "$n"
    cat > root/etc/jail.conf <<'CONF'
kid {
    persist;
    host.hostname = "kid.$name";
    exec.start = "sh -c 'echo started >> /tmp/kid.log'";
    exec.stop = "sh -c 'echo stopped >> /tmp/kid.log'";
    exec.jail_user = vjuser;
    exec.system_jail_user;
}
CONF
    atf_check -o inline:"kid: created\n" "$jexec" "$n" "$jail" -c kid
    atf_check -o inline:"kid.kid\n" "$jexec" "$n" "$jexec" kid hostname
    # exec.jail_user with exec.system_jail_user: the parent's user
    atf_check -o inline:"1001\n" stat -c %u root/tmp/kid.log
    atf_check -o match:"^kid: created\$" "$jexec" "$n" "$jail" -rc kid
    atf_check -o inline:"started\nstopped\nstarted\n" cat root/tmp/kid.log
    atf_check -o inline:"kid: removed\n" "$jexec" "$n" "$jail" -r kid
    atf_check -o inline:"started\nstopped\nstarted\nstopped\n" cat root/tmp/kid.log
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n.kid"
    # -R: no configuration, no exec.stop
    atf_check -o inline:"kid: created\n" "$jexec" "$n" "$jail" -c kid
    atf_check -o empty "$jexec" "$n" "$jail" -R kid
    atf_check -o inline:"started\nstopped\nstarted\nstopped\nstarted\n" cat root/tmp/kid.log
    # the configuration's host-side commands are refused
    printf 'bad { persist; exec.prestart = "true"; }\n' > root/etc/jail.conf
    atf_check -s exit:1 -e match:"exec.prestart: cannot be set" "$jexec" "$n" "$jail" -c bad
    atf_check "$(vj_bin jail)" -r "$n"
}
config_cleanup() { vj_cleanup; }

atf_test_case limits cleanup
limits_head()
{
    atf_set descr "a jail reaches only its own descendants; -m gives no more than the parent"
}
limits_body()
{
    vj_require_root
    progs
    local n o ojid
    n=$(vj_name)
    o=$(vj_name other)
    mkparent "$n"
    atf_check "$jexec" "$n" "$jail" -c name=c1 persist children.max=1
    # another jail's child: not reachable by name or JID
    atf_check "$(vj_bin jail)" -c name="$o" path=/ persist children.max=1
    atf_check -o empty -e empty "$(vj_bin jexec)" "$o" "$(vj_bin jail)" -c name=x persist
    ojid=$("$(vj_bin jls)" -j "$o.x" jid)
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jail" -r "$ojid"
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jail" -r x
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jexec" "$ojid" true
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jail" -m jid="$ojid" host.hostname=x
    atf_check -o inline:"$o.x\n" "$(vj_bin jls)" -j "$ojid" name
    # nor the parent itself, nor (from a child) its parent
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jail" -r "$n"
    atf_check -s exit:1 -e match:"not found" "$jexec" "$n" "$jexec" c1 "$(vj_bin jail)" -r "$n"
    atf_check -s exit:1 -e ignore "$jexec" "$n" "$jexec" c1 "$(vj_bin jexec)" "$n" true
    # -m: never more than the parent
    atf_check -s exit:1 -e match:"allow.raw_sockets" "$jexec" "$n" "$jail" -m name=c1 allow.raw_sockets
    atf_check -s exit:1 -e match:"children.max: jail_set: Operation not permitted" \
        "$jexec" "$n" "$jail" -m name=c1 children.max=3
    atf_check -s exit:1 -e match:"exec.prestop: cannot be set" \
        "$jexec" "$n" "$jail" -m name=c1 exec.prestop=true
    atf_check -o inline:"1\n" "$(vj_bin jls)" -j "$n.c1" children.max
    atf_check "$jexec" "$n" "$jail" -m name=c1 children.max=0
    atf_check -o inline:"0\n" "$(vj_bin jls)" -j "$n.c1" children.max
    # only root in the parent
    atf_check -s exit:1 -e ignore "$(vj_bin jexec)" -U vjuser "$n" "$(vj_bin jail)" -r c1
    atf_check -s exit:1 -e ignore "$(vj_bin jexec)" -U vjuser "$n" "$(vj_bin jexec)" c1 true
    atf_check -o inline:"c1\n" "$(vj_bin jexec)" "$n" "$(vj_bin jls)" name
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check "$(vj_bin jail)" -r "$o"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$o.x"
}
limits_cleanup() { vj_cleanup; }

atf_test_case host_mounts cleanup
host_mounts_head()
{
    atf_set descr "while children are made, changed, entered and removed, no process the" \
        "parent sees shows a host-only mount"
    atf_set timeout 180
}
host_mounts_body()
{
    vj_require_root
    progs
    local n
    n=$(vj_name)
    # a mount only the host has
    mkdir vjt_hostonly && mount -t tmpfs vjt_hostonly_fs vjt_hostonly ||
        atf_fail "cannot mount the marker"
    mkparent "$n"
    # In the parent: read every visible process's mountinfo (threads too)
    # until told to stop, each one after a line naming the process.
    cat > root/tmp/watch <<'EOF'
#!/bin/sh
while [ ! -e /tmp/stop ]; do
    for d in /proc/[0-9]* /proc/[0-9]*/task/[0-9]*; do
        c=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
        echo "== ${d#/proc/} $c"
        cat "$d/mountinfo" 2>/dev/null
    done
done > /tmp/mi
touch /tmp/done
EOF
    chmod +x root/tmp/watch
    "$(vj_bin jexec)" "$n" /tmp/watch &
    sleep 0.5
    # the worker lives while exec.start and exec.stop run
    atf_check "$jexec" "$n" "$jail" -c name=c1 persist exec.start="sleep 2" exec.stop="sleep 1"
    atf_check "$jexec" "$n" "$jail" -m name=c1 host.hostname=h
    atf_check -o inline:"h\n" "$jexec" "$n" "$jexec" c1 sh -c 'sleep 1; hostname'
    atf_check -o match:"^ +[0-9]+ +h +/\$" "$jexec" "$n" "$jls"
    atf_check "$jexec" "$n" "$jail" -rc name=c1 persist exec.start="sleep 1"
    atf_check "$jexec" "$n" "$jail" -r c1
    touch root/tmp/stop
    for i in $(seq 50); do
        [ -e root/tmp/done ] && break
        sleep 0.2
    done
    wait
    [ -s root/tmp/mi ] || atf_fail "no mountinfo read in the parent"
    # the parent's workers (its supervisor's forks: pid 1 is the
    # supervisor itself) were seen, with their mount tables
    grep -q "^== [0-9][0-9]* vjail-sup: $n *\$" root/tmp/mi || atf_fail "no worker seen"
    awk -v n="$n" '/^== / { w = ($2 != "1" && $3 == "vjail-sup:" && $4 == n) ; next }
        w && / \/sys\/fs\/cgroup / { found = 1 } END { exit !found }' root/tmp/mi ||
        atf_fail "no worker's mountinfo read"
    # the child's supervisor too
    grep -q "^== [0-9][0-9]* vjail-sup: $n.c1 *\$" root/tmp/mi || atf_fail "no child seen"
    # nothing that only the host has
    atf_check -o empty -x "grep -n vjt_hostonly root/tmp/mi || true"
    atf_check -o empty -x "grep -n ' /etc \| /home \| /var \| /boot ' root/tmp/mi || true"
    atf_check "$(vj_bin jail)" -r "$n"
}
host_mounts_cleanup()
{
    vj_cleanup
    umount -l vjt_hostonly 2>/dev/null
    return 0
}

atf_test_case host cleanup
host_head()
{
    atf_set descr "the host's root creates and changes PARENT.CHILD from the command line:" \
        "made inside the parent by its supervisor, with FreeBSD's messages and limits"
}
host_body()
{
    vj_require_root
    progs
    local n o jid cg sleeper i
    n=$(vj_name)
    o=$(vj_name other)
    mkparent "$n"
    # a command-line jail: nothing printed
    atf_check -o empty -e empty "$jail" -c name="$n.ch" persist host.hostname=one
    jid=$("$jls" -j "$n.ch" jid)
    atf_check -o inline:"$n.ch one $("$jls" -j "$n" jid)\n" "$jls" -j "$n.ch" name host.hostname parent
    # inside the parent it is its child "ch"
    atf_check -o inline:"$jid ch one\n" "$jexec" "$n" "$jls" jid name host.hostname
    atf_check -o inline:"one\n" "$jexec" "$n.ch" hostname
    atf_check -o inline:"one\n" "$jexec" "$n" "$jexec" ch hostname
    # really nested: its processes are in the parent's PID name space
    "$jexec" "$n.ch" sleep 61 >/dev/null 2>&1 &
    sleeper=$!
    for i in $(seq 50); do
        "$jexec" "$n" ps ax 2>/dev/null | grep -q "sleep 61" && break
        sleep 0.1
    done
    atf_check -o match:"sleep 61" "$jexec" "$n" ps ax
    atf_check -o match:"vjail-sup: $n.ch" "$jexec" "$n" ps ax
    # -m, by name and by JID
    atf_check -o empty -e empty "$jail" -m name="$n.ch" host.hostname=two
    atf_check -o inline:"two\n" "$jexec" "$n.ch" hostname
    atf_check -o empty -e empty "$jail" -m jid="$jid" host.hostname=three
    atf_check -o inline:"three\n" "$jexec" "$n" "$jexec" ch hostname
    # ... never more than the parent
    atf_check -s exit:1 -e inline:"jail: $n.ch: children.max: jail_set: Operation not permitted\n" \
        "$jail" -m name="$n.ch" children.max=3
    atf_check -s exit:1 -e inline:"jail: \"$n.nosuch\" not found\n" \
        "$jail" -m name="$n.nosuch" host.hostname=x
    atf_check -s exit:1 -e inline:"jail: \"$n.ch\" already exists\n" \
        "$jail" -c name="$n.ch" persist
    # path: the parent's root, given as the host sees it
    atf_check -o empty -e empty "$jail" -c name="$n.c2" path="$PWD/root" persist
    atf_check -o inline:"$PWD/root\n" "$jls" -j "$n.c2" path
    atf_check -s exit:1 -e match:"path $PWD/root/tmp: only its parent jail's root" \
        "$jail" -c name="$n.c3" path="$PWD/root/tmp" persist
    atf_check -s exit:1 -e match:"path /var: not inside its parent jail's root" \
        "$jail" -c name="$n.c3" path=/var persist
    # children.max (3), counted with the children made inside
    atf_check "$jexec" "$n" "$jail" -c name=c3 persist
    atf_check -s exit:1 -o empty -e inline:"jail: prison limit exceeded\n" \
        "$jail" -c name="$n.c4" persist
    # -rc: restarted inside the parent
    atf_check -o empty -e empty "$jail" -rc name="$n.c3" persist host.hostname=re
    atf_check -o inline:"$n.c3 re\n" "$jls" -j "$n.c3" name host.hostname
    # a parent that does not exist, one without children.max
    atf_check -s exit:1 -o empty -e inline:"jail: jail \"$n.none\" not found\n" \
        "$jail" -c name="$n.none.x" persist
    atf_check "$jail" -c name="$o" path=/ persist
    atf_check -s exit:1 -o empty -e inline:"jail: jail_set: Operation not permitted\n" \
        "$jail" -c name="$o.x" persist
    atf_check "$jail" -r "$o"
    # removal from the host, and with the parent
    atf_check "$jail" -r "$n.c2"
    atf_check -o inline:"ch\nc3\n" "$jexec" "$n" "$jls" name
    cg=$(awk '$1 == "cgroup" { print $2 }' "/run/vjail/jails/$jid")
    atf_check "$jail" -r "$n"
    wait "$sleeper"
    atf_check -s exit:1 -e ignore "$jls" -j "$n.ch"
    atf_check -s exit:1 -e ignore "$jls" -j "$n.c3"
    [ ! -e "/run/vjail/jails/$jid" ] || atf_fail "child's registry entry left"
    [ -z "$cg" ] || [ ! -d "$cg" ] || atf_fail "child's cgroup left"
}
host_cleanup() { vj_cleanup; }

atf_test_case host_config cleanup
host_config_head()
{
    atf_set descr "child jails of the host's jail.conf: nested blocks and \"a.b\" blocks," \
        "made after their parent and removed before it"
}
host_config_body()
{
    vj_require_root
    progs
    local n p
    n=$(vj_name)
    p=$(vj_name top)
    mkparent "$n"
    cat > j.conf <<CONF
$n {
    ch {
        persist;
        host.hostname = "c.\$name";
    }
}
"$n.c2" { persist; }
CONF
    atf_check -o inline:"$n.ch: created\n" -e empty "$jail" -f j.conf -c "$n.ch"
    atf_check -o inline:"$n.c2: created\n" -e empty "$jail" -f j.conf -c "$n.c2"
    atf_check -o inline:"c.$n.ch\n" "$jexec" "$n" "$jexec" ch hostname
    atf_check -o inline:"ch\nc2\n" "$jexec" "$n" "$jls" name
    sed -i 's/c\.\$name/d.$name/' j.conf
    atf_check -o inline:"$n.ch: updated\n" -e empty "$jail" -f j.conf -m "$n.ch"
    atf_check -o inline:"d.$n.ch\n" "$jls" -j "$n.ch" host.hostname
    atf_check -o inline:"$n.ch: created\n" -e empty "$jail" -f j.conf -rc "$n.ch"
    atf_check -o inline:"$n.ch: removed\n" "$jail" -f j.conf -r "$n.ch"
    # all of them: the running parent is left alone
    atf_check -o inline:"$n.ch: created\n" -e empty "$jail" -f j.conf -c
    atf_check -o inline:"c2\nch\n" "$jexec" "$n" "$jls" name
    atf_check "$jail" -r "$n"
    # a parent and its child from one file: the parent first; removal in
    # the other order
    cat > k.conf <<CONF
$p {
    path = /;
    persist;
    children.max = 1;
    k { persist; }
}
CONF
    atf_check -o inline:"$p: created\n$p.k: created\n" -e empty "$jail" -f k.conf -c
    atf_check -o inline:"$p.k\n" "$jls" -j "$p.k" name
    atf_check -o inline:"$p.k: removed\n$p: removed\n" -e empty "$jail" -f k.conf -r '*'
    atf_check -s exit:1 -e ignore "$jls" -j "$p"
}
host_config_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case manage
    atf_add_test_case config
    atf_add_test_case limits
    atf_add_test_case host_mounts
    atf_add_test_case host
    atf_add_test_case host_config
}
