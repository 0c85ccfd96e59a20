#! /usr/bin/env atf-sh
# jail(8) configuration handling without root: `jail -e`, usage errors and
# configuration errors (exit status and exact messages).

. "$(atf_get_srcdir)/vjail.subr"

data()
{
    echo "$(vj_srcroot)/tests/data/conf/$1"
}

usage_text()
{
    cat <<'EOF2'
usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]
            -[cmr] param=value ... [command=command ...]
       jail [-dqv] [-f file] -[cmr] [jail]
       jail [-qv] [-f file] -[rR] ['*' | jail ...]
       jail [-dhilqv] [-J jid_file] [-u username] [-U username]
            [-n jailname] [-s securelevel]
            path hostname ip[,...] command ...
       jail [-f file] -e separator
EOF2
}

atf_test_case e_seeds
e_seeds_head()
{
    atf_set descr "jail -e shows the expanded parameters of the seed configurations"
}
e_seeds_body()
{
    local f
    for f in seed000a seed000b seed001 grammar; do
        atf_check -s exit:0 -o file:"$(data $f.expected)" -e empty \
            "$(vj_bin jail)" -f "$(data $f.conf)" -e ' '
    done
}

atf_test_case e_separator
e_separator_head()
{
    atf_set descr "jail -e: separator, quoting, variables hidden, \${jid} kept"
}
e_separator_body()
{
    cat > j.conf <<'EOF2'
$v = "a b";
path = "/j/$name";
www { exec.start = "echo $v", 'say "x"'; vnet.interface = "e${jid}b"; persist; }
db { depend = www; }
EOF2
    printf '%s\n' \
        'name=www@@path=/j/www@@exec.start="echo a b",'"'"'say "x"'"'"'@@vnet.interface=e${jid}b@@persist' \
        'name=db@@path=/j/db@@depend=www' > expected
    atf_check -s exit:0 -o file:expected -e empty "$(vj_bin jail)" -f j.conf -e '@@'
}

atf_test_case e_nul
e_nul_head()
{
    atf_set descr "jail -e '': NUL after each parameter, one more per jail"
}
e_nul_body()
{
    printf 'a { persist; }\nb { }\n' > j.conf
    printf 'name=a\0persist\0\0name=b\0\0' > expected
    "$(vj_bin jail)" -f j.conf -e '' > out || atf_fail "jail -e '' failed"
    atf_check cmp expected out
}

atf_test_case e_stdin
e_stdin_head()
{
    atf_set descr "jail -f - reads the configuration from standard input"
}
e_stdin_body()
{
    echo 'x { host.hostname = "$name.example"; }' > j.conf
    atf_check -s exit:0 -o inline:'name=x host.hostname=x.example\n' \
        "$(vj_bin jail)" -f - -e ' ' < j.conf
    echo 'x { bogus; }' > bad.conf
    atf_check -s exit:1 -o empty -e inline:'jail: x: STDIN line 1: unknown parameter "bogus"\n' \
        "$(vj_bin jail)" -f - -e ' ' < bad.conf
}

atf_test_case e_expand_error
e_expand_error_head()
{
    atf_set descr "an expansion error fails its jail only"
}
e_expand_error_body()
{
    printf 'a {\n path = "/x/$nope";\n}\nb { persist = maybe; }\nc { }\n' > j.conf
    printf 'jail: a: j.conf line 2: path: variable "nope" not found\njail: b: j.conf line 4: persist: unknown boolean value "maybe"\n' > err
    atf_check -s exit:1 -o inline:'name=c\n' -e file:err "$(vj_bin jail)" -f j.conf -e ' '
}

atf_test_case parse_errors
parse_errors_head()
{
    atf_set descr "configuration errors: exit 1, exact message, nothing printed"
}
parse_errors_body()
{
    printf 'a {\n  path = /x\n}\n' > j.conf
    atf_check -s exit:1 -o empty -e inline:'jail: j.conf line 3: }: syntax error\n' \
        "$(vj_bin jail)" -f j.conf -e ' '
    printf 'a {\n' > j.conf
    atf_check -s exit:1 -o empty -e inline:'jail: j.conf: unexpected EOF\n' \
        "$(vj_bin jail)" -f j.conf -e ' '
    printf 'a {\n path = "/x;\n}\n' > j.conf
    atf_check -s exit:1 -o empty -e inline:'jail: j.conf line 2: unterminated string\n' \
        "$(vj_bin jail)" -f j.conf -e ' '
    printf 'ok { }\n\nweb {\n  persits;\n}\n' > j.conf
    atf_check -s exit:1 -o empty -e inline:'jail: web: j.conf line 4: unknown parameter "persits"\n' \
        "$(vj_bin jail)" -f j.conf -e ' '
    # the same file refused for creation too: nothing happens
    atf_check -s exit:1 -o empty -e inline:'jail: web: j.conf line 4: unknown parameter "persits"\n' \
        "$(vj_bin jail)" -f j.conf -c ok
    printf '.include "$x.conf";\n' > j.conf
    atf_check -s exit:1 -o empty \
        -e inline:"jail: j.conf line 1: variables not permitted in '.include' filename\n" \
        "$(vj_bin jail)" -f j.conf -e ' '
}

atf_test_case missing_file
missing_file_head()
{
    atf_set descr "a missing configuration file is fatal for -e and config mode"
}
missing_file_body()
{
    atf_check -s exit:1 -o empty -e inline:'jail: nope.conf: No such file or directory\n' \
        "$(vj_bin jail)" -f nope.conf -e ' '
    atf_check -s exit:1 -o empty -e inline:'jail: nope.conf: No such file or directory\n' \
        "$(vj_bin jail)" -f nope.conf -c
    atf_check -s exit:1 -o empty -e inline:'jail: nope.conf: No such file or directory\n' \
        "$(vj_bin jail)" -f nope.conf -c somejail
}

atf_test_case usage_errors
usage_errors_head()
{
    atf_set descr "command lines jail(8) refuses with the usage text"
}
usage_errors_body()
{
    usage_text > usage
    printf 'a { }\n' > j.conf
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)"
    # -e with an operation or a jail argument
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -c -e ' '
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -e ' ' a
    # remove without a target, or with parameters
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -r
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -r name=a
    # -h -l -n -s -u -U need command-line parameters
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -c -n a
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -c -l a
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -r -u root a
    # -R and -C not with command-line parameters; -R not with -c
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -cC name=a persist
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" -f j.conf -cR a
    # old form: at least four arguments, an absolute path first
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" / h 192.0.2.1
    atf_check -s exit:1 -o empty -e file:usage "$(vj_bin jail)" rel h 192.0.2.1 /bin/sh
    # unknown option: getopt's message, then usage
    atf_check -s exit:1 -o empty -e match:"invalid option -- 'Z'" -e match:'^usage: jail' \
        "$(vj_bin jail)" -Z
}

atf_test_case cmdline_errors
cmdline_errors_head()
{
    atf_set descr "bad command-line parameters are refused before any work"
}
cmdline_errors_body()
{
    atf_check -s exit:1 -o empty -e inline:'jail: unknown parameter "persits"\n' \
        "$(vj_bin jail)" -c name=x persits
    atf_check -s exit:1 -o empty -e inline:'jail: cannot redefine parameter "name".\n' \
        "$(vj_bin jail)" -c -n x name=y persist
    atf_check -s exit:1 -o empty -e inline:'jail: open nodir/jids: No such file or directory\n' \
        "$(vj_bin jail)" -J nodir/jids -c name=x persist
}

atf_init_test_cases()
{
    atf_add_test_case e_seeds
    atf_add_test_case e_separator
    atf_add_test_case e_nul
    atf_add_test_case e_stdin
    atf_add_test_case e_expand_error
    atf_add_test_case parse_errors
    atf_add_test_case missing_file
    atf_add_test_case usage_errors
    atf_add_test_case cmdline_errors
}
