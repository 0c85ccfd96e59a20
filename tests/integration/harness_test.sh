#! /usr/bin/env atf-sh
# The test harness itself: vjail.subr's helpers do what tests rely on.

. "$(atf_get_srcdir)/vjail.subr"

atf_test_case names
names_head()
{
    atf_set descr "vj_name and vj_prefix give per-test-case names"
}
names_body()
{
    atf_check_equal "$(vj_prefix)" vjt_harness_names
    atf_check_equal "$(vj_name)" vjt_harness_names
    atf_check_equal "$(vj_name a1)" vjt_harness_names_a1
}

atf_test_case binaries
binaries_head()
{
    atf_set descr "vj_bin names the built programs of the build directory"
}
binaries_body()
{
    local c
    for c in jail jls jexec; do
        atf_check test -x "$(vj_bin $c)"
        case "$(vj_bin $c)" in
        /*/"$c") ;;
        *) atf_fail "vj_bin $c: $(vj_bin $c) is not an absolute path" ;;
        esac
    done
}

atf_test_case mkroot
mkroot_head()
{
    atf_set descr "vj_mkroot makes a root file system a shell runs in"
}
mkroot_body()
{
    vj_require_root
    vj_mkroot root
    for d in bin dev etc proc sys tmp root; do
        atf_check test -d "root/$d"
    done
    atf_check -o inline:"hello\n" chroot root /bin/sh -c 'echo hello'
    atf_check -o inline:"vjuser 1001\n" chroot root /bin/sh -c \
        'grep ^vjuser: /etc/passwd | awk -F: "{print \$1, \$3}"'
}

atf_test_case cleanup_mounts cleanup
cleanup_mounts_head()
{
    atf_set descr "vj_cleanup unmounts what is left under the work directory"
}
cleanup_mounts_body()
{
    vj_require_root
    mkdir -p m/inner
    atf_check mount -t tmpfs vjt_harness m
    mkdir -p m/inner
    atf_check mount -t tmpfs vjt_harness m/inner
    pwd -P > wd
    vj_cleanup
    if grep -q " $(cat wd)/m" /proc/self/mountinfo; then
        atf_fail "mounts left after vj_cleanup"
    fi
}
cleanup_mounts_cleanup()
{
    vj_cleanup
}

atf_init_test_cases()
{
    atf_add_test_case names
    atf_add_test_case binaries
    atf_add_test_case mkroot
    atf_add_test_case cleanup_mounts
}
