#! /usr/bin/env atf-sh
# jexec(8) against real jails: namespaces, users, environment, directory,
# exit status, errors.

. "$(atf_get_srcdir)/vjail.subr"

# mkjail: a persistent busybox jail rooted in ./root with /proc mounted
mkjail()
{
    vj_mkroot root
    atf_check "$(vj_bin jail)" -c name="$(vj_name)" path="$PWD/root" \
        host.hostname=jexec.example mount.procfs persist
}

atf_test_case usage
usage_head()
{
    atf_set descr "usage errors and unknown jails, FreeBSD's messages"
}
usage_body()
{
    local jexec usage
    jexec=$(vj_bin jexec)
    usage="usage: jexec [-l] [-d working-directory] [-u username | -U username] jail [command ...]"
    atf_check -s exit:1 -e inline:"$usage\n" "$jexec"
    atf_check -s exit:1 -e inline:"$usage\n" "$jexec" -u root -U root x true
    atf_check -s exit:1 -e inline:"jexec: illegal option -- Z\n$usage\n" "$jexec" -Z x
    atf_check -s exit:1 -e inline:"jexec: jail \"$(vj_name nope)\" not found\n" \
        "$jexec" "$(vj_name nope)" true
    atf_check -s exit:1 -e inline:"jexec: jail \"999998\" not found\n" "$jexec" 999998 true
}

atf_test_case enter cleanup
enter_head()
{
    atf_set descr "the command runs in the jail: root, hostname, PID namespace, by name and jid"
}
enter_body()
{
    vj_require_root
    local jexec jid
    jexec=$(vj_bin jexec)
    mkjail
    jid=$("$(vj_bin jls)" -j "$(vj_name)" jid)
    atf_check -o inline:"jexec.example\n" "$jexec" "$(vj_name)" hostname
    atf_check -o inline:"jexec.example\n" "$jexec" "$jid" hostname
    # the jail's root: our marker file is at its top
    touch root/vjt_marker
    atf_check -o inline:"/vjt_marker\n" "$jexec" "$(vj_name)" ls /vjt_marker
    # starts in /
    atf_check -o inline:"/\n" "$jexec" "$(vj_name)" pwd
    # its own PID namespace: only the jail's processes are visible
    atf_check -o inline:"no\n" "$jexec" "$(vj_name)" sh -c \
        "test -e /proc/$$ && echo yes || echo no"
    "$jexec" "$(vj_name)" sh -c 'ls /proc | grep -c "^[0-9][0-9]*$"' > count ||
        atf_fail "counting processes failed"
    [ "$(cat count)" -lt 10 ] || atf_fail "jail sees $(cat count) processes"
    # options of the command are the command's
    atf_check -o match:"^-rw" "$jexec" "$(vj_name)" ls -l /vjt_marker
}
enter_cleanup()
{
    vj_cleanup
}

atf_test_case exit_status cleanup
exit_status_head()
{
    atf_set descr "jexec exits with the command's status, 128+N on signal N"
}
exit_status_body()
{
    vj_require_root
    local jexec
    jexec=$(vj_bin jexec)
    mkjail
    atf_check -s exit:0 "$jexec" "$(vj_name)" true
    atf_check -s exit:42 "$jexec" "$(vj_name)" sh -c 'exit 42'
    atf_check -s exit:143 "$jexec" "$(vj_name)" sh -c 'kill -TERM $$'
    atf_check -s exit:137 "$jexec" "$(vj_name)" sh -c 'kill -KILL $$'
    atf_check -s exit:1 -e inline:"jexec: execvp: /nonexistent: No such file or directory\n" \
        "$jexec" "$(vj_name)" /nonexistent
    # stdin and stdout pass through
    atf_check -o inline:"piped\n" -x "echo piped | '$jexec' '$(vj_name)' cat"
}
exit_status_cleanup()
{
    vj_cleanup
}

atf_test_case signals cleanup
signals_head()
{
    atf_set descr "signals to jexec reach the command; killing jexec kills the command"
}
signals_body()
{
    vj_require_root
    local jexec pid st
    jexec=$(vj_bin jexec)
    mkjail
    # SIGTERM is passed on: the command's trap decides the exit status
    "$jexec" "$(vj_name)" sh -c \
        'trap "exit 9" TERM; touch /tmp/vjt_ready; while :; do sleep 0.1; done' &
    pid=$!
    for i in $(seq 50); do [ -e root/tmp/vjt_ready ] && break; sleep 0.1; done
    [ -e root/tmp/vjt_ready ] || atf_fail "the command did not start"
    kill -TERM "$pid"
    st=0
    wait "$pid" || st=$?
    [ "$st" -eq 9 ] || atf_fail "exit status $st, expected 9"
    # SIGKILL of jexec takes the command with it
    rm -f root/tmp/vjt_ready
    "$jexec" "$(vj_name)" sh -c 'touch /tmp/vjt_ready; exec sleep 4242' &
    pid=$!
    for i in $(seq 50); do [ -e root/tmp/vjt_ready ] && break; sleep 0.1; done
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    # (no pgrep in every busybox: look at the command lines in /proc)
    cat > root/tmp/vjt_find <<'EOF'
for p in /proc/[0-9]*; do
    tr '\0' ' ' < $p/cmdline 2>/dev/null
    echo
done | grep -q "^sleep 4242"
EOF
    for i in $(seq 50); do
        "$jexec" "$(vj_name)" sh /tmp/vjt_find || break
        sleep 0.1
    done
    atf_check -s exit:1 "$jexec" "$(vj_name)" sh /tmp/vjt_find
}
signals_cleanup()
{
    vj_cleanup
}

atf_test_case users cleanup
users_head()
{
    atf_set descr "-U from the jail's passwd, -u from the host's"
}
users_body()
{
    vj_require_root
    local jexec
    jexec=$(vj_bin jexec)
    mkjail
    # vjuser exists only in the jail (vj_mkroot)
    if grep -q '^vjuser:' /etc/passwd; then
        atf_skip "the host has a user vjuser"
    fi
    atf_check -o inline:"1001 1001 vjuser\n" "$jexec" -U vjuser "$(vj_name)" \
        sh -c 'echo $(id -u) $(id -g) $USER'
    atf_check -s exit:1 -e inline:"jexec: vjuser: no such user\n" \
        "$jexec" -u vjuser "$(vj_name)" true
    atf_check -s exit:1 -e inline:"jexec: vjt_nouser: no such user\n" \
        "$jexec" -U vjt_nouser "$(vj_name)" true
    # a host user: uid from the host's passwd
    local uid
    uid=$(awk -F: '$1 == "nobody" { print $3 }' /etc/passwd)
    [ -n "$uid" ] || atf_skip "the host has no user nobody"
    atf_check -o inline:"$uid\n" "$jexec" -u nobody "$(vj_name)" id -u
    # the environment is kept without -l, USER/HOME/SHELL follow the user
    atf_check -o inline:"kept vjuser /home/vjuser /bin/sh\n" -x \
        "VJT_FOO=kept '$jexec' -U vjuser '$(vj_name)' sh -c 'echo \$VJT_FOO \$USER \$HOME \$SHELL'"
    # the credentials are really dropped
    atf_check -s not-exit:0 -e ignore "$jexec" -U vjuser "$(vj_name)" \
        sh -c 'echo x > /vjt_root_only'
    [ ! -e root/vjt_root_only ] || atf_fail "vjuser could write to /"
}
users_cleanup()
{
    vj_cleanup
}

atf_test_case login_env cleanup
login_env_head()
{
    atf_set descr "-l: clean environment, home directory; -d: working directory"
}
login_env_body()
{
    vj_require_root
    local jexec
    jexec=$(vj_bin jexec)
    mkjail
    atf_check -o inline:"/home/vjuser
HOME=/home/vjuser
LOGNAME=vjuser
PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin
SHELL=/bin/sh
TERM=vt100
USER=vjuser
" -x "env -i TERM=vt100 VJT_FOO=x '$jexec' -l -U vjuser '$(vj_name)' sh -c 'pwd; env | grep -v -e ^PWD= -e ^SHLVL= | sort'"
    # -l without a user: the current (host) user, its home
    atf_check -o inline:"/root root\n" -x \
        "VJT_FOO=x '$jexec' -l '$(vj_name)' sh -c 'echo \$(pwd) \$USER\$VJT_FOO'"
    # -d
    atf_check -o inline:"/tmp\n" "$jexec" -d /tmp "$(vj_name)" pwd
    atf_check -o inline:"/tmp\n" "$jexec" -l -d /tmp -U vjuser "$(vj_name)" pwd
    atf_check -s exit:1 -e inline:"jexec: chdir(): /vjt_none: No such file or directory\n" \
        "$jexec" -d /vjt_none "$(vj_name)" true
}
login_env_cleanup()
{
    vj_cleanup
}

atf_test_case shell cleanup
shell_head()
{
    atf_set descr "no command: \$SHELL -i inside the jail"
}
shell_body()
{
    vj_require_root
    local jexec
    jexec=$(vj_bin jexec)
    mkjail
    atf_check -s exit:3 -o match:"in-shell" -e ignore -x \
        "echo 'echo in-shell; exit 3' | SHELL=/bin/sh '$jexec' '$(vj_name)'"
    # -U takes the user's shell from the jail's passwd (busybox sh prints
    # its prompt on stdout)
    atf_check -s exit:0 -o match:"1001$" -e ignore -x \
        "echo 'id -u' | '$jexec' -U vjuser '$(vj_name)'"
}
shell_cleanup()
{
    vj_cleanup
}

atf_init_test_cases()
{
    atf_add_test_case usage
    atf_add_test_case enter
    atf_add_test_case exit_status
    atf_add_test_case signals
    atf_add_test_case users
    atf_add_test_case login_env
    atf_add_test_case shell
}
