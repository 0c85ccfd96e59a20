#! /usr/bin/env atf-sh
# Build and install layout: `make install PREFIX=DIR` puts the commands in
# DIR/sbin, man pages in DIR/share/man/man{5,8}, creates DIR/libexec/vjail,
# and writes nothing anywhere else.

. "$(atf_get_srcdir)/vjail.subr"

# The value of a Makefile variable.
make_var()
{
    make -s -C "$(vj_srcroot)" BUILD="$(vj_builddir)" \
        --eval "vjt-print-var: ; @echo \$($1)" vjt-print-var
}

# The files `make install PREFIX=P` must create, relative to P, sorted:
# every command of the Makefile in sbin (jail, jls, jexec at least), every
# man page, the helper programs in libexec/vjail.
expected_layout()
{
    local src c f
    src=$(vj_srcroot)
    {
        echo sbin
        for f in $(make_var CMD_BIN); do
            echo "sbin/$(basename "$f")"
        done
        echo share
        echo share/man
        echo share/man/man5
        echo share/man/man8
        for f in "$src"/man/*.5 "$src"/man/*.5.in; do
            [ -e "$f" ] || continue
            f=$(basename "$f" .in)
            echo "share/man/man5/$f"
        done
        for f in "$src"/man/*.8 "$src"/man/*.8.in; do
            [ -e "$f" ] || continue
            f=$(basename "$f" .in)
            echo "share/man/man8/$f"
        done
        echo lib
        echo lib/systemd
        echo lib/systemd/system
        echo lib/systemd/system/vjail.service
        echo libexec
        echo libexec/vjail
        # Helper programs, when the Makefile lists some.
        for f in $(make_var LIBEXEC_BIN); do
            echo "libexec/vjail/$(basename "$f")"
        done
    } | sort -u
}

# Installing must not build: the build directory belongs to tests/run and
# was made with its flags (SANITIZE ...).
require_built()
{
    make -s -q -C "$(vj_srcroot)" BUILD="$(vj_builddir)" all ||
        atf_skip "$(vj_builddir) is not up to date (did the build fail?)"
}

atf_test_case install_layout
install_layout_head()
{
    atf_set descr "make install PREFIX=DIR installs exactly the documented layout"
}
install_layout_body()
{
    local p
    require_built
    p=$(pwd)/prefix
    expected_layout > expected
    atf_check -o ignore -e ignore \
        make -s -C "$(vj_srcroot)" BUILD="$(vj_builddir)" PREFIX="$p" install
    (cd "$p" && find . -mindepth 1 | sed 's|^\./||' | sort) > actual
    atf_check -o file:expected cat actual
    for c in jail jls jexec; do
        atf_check test -x "$p/sbin/$c"
    done
    # Man pages are readable roff.
    for f in "$p"/share/man/man*/*; do
        [ -e "$f" ] || continue
        atf_check -o ignore grep -E '^\.(TH|Dd)' "$f"
    done
}

atf_test_case install_destdir
install_destdir_head()
{
    atf_set descr "DESTDIR is prepended to every installed path"
}
install_destdir_body()
{
    local d
    require_built
    d=$(pwd)/stage
    expected_layout > expected
    atf_check -o ignore -e ignore make -s -C "$(vj_srcroot)" \
        BUILD="$(vj_builddir)" DESTDIR="$d" PREFIX=/opt/vjail-test install
    atf_check -o inline:"opt\n" ls "$d"
    (cd "$d/opt/vjail-test" && find . -mindepth 1 | sed 's|^\./||' | sort) > actual
    atf_check -o file:expected cat actual
    atf_check test ! -e /opt/vjail-test
}

# Run the install as an unprivileged user who may write only PREFIX: any
# write elsewhere fails with "Permission denied".
atf_test_case install_nothing_outside cleanup
install_nothing_outside_head()
{
    atf_set descr "make install writes nothing outside PREFIX"
}
install_nothing_outside_body()
{
    local t
    vj_require_root
    require_built
    t=$(mktemp -d /tmp/vjt_install.XXXXXX)
    echo "$t" > tmpdir
    chmod 755 "$t"
    mkdir "$t/prefix" && chown 65534:65534 "$t/prefix"
    # The source and build trees must be readable by that user.
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        test -r "$(vj_srcroot)/Makefile" -a -x "$(vj_builddir)" ||
        atf_skip "source tree not readable by uid 65534"
    expected_layout > expected
    atf_check -o ignore -e ignore env HOME="$t" \
        setpriv --reuid=65534 --regid=65534 --clear-groups \
        make -s -C "$(vj_srcroot)" BUILD="$(vj_builddir)" PREFIX="$t/prefix" install
    (cd "$t/prefix" && find . -mindepth 1 | sed 's|^\./||' | sort) > actual
    atf_check -o file:expected cat actual
}
install_nothing_outside_cleanup()
{
    [ -f tmpdir ] && rm -rf "$(cat tmpdir)"
    return 0
}

atf_test_case systemd_unit
systemd_unit_head()
{
    atf_set descr "make install puts a systemd unit that starts and removes the jails of /etc/jail.conf"
}
systemd_unit_body()
{
    local d u
    require_built
    d=$(pwd)/stage
    atf_check -o ignore -e ignore make -s -C "$(vj_srcroot)" \
        BUILD="$(vj_builddir)" DESTDIR="$d" PREFIX=/opt/vjail-test install
    u=$d/opt/vjail-test/lib/systemd/system/vjail.service
    atf_check -o match:"^ExecStart=/opt/vjail-test/sbin/jail -c \\\$JAIL_LIST$" cat "$u"
    atf_check -o match:"^ExecStop=.*/opt/vjail-test/sbin/jail -r " cat "$u"
    command -v systemd-analyze >/dev/null || atf_skip "systemd-analyze is not installed"
    # the same unit for the built jail(8), checked by systemd itself
    sed "s|/opt/vjail-test/sbin|$(vj_builddir)|g" "$u" > vjail.service
    atf_check -o empty -e empty systemd-analyze verify --man=no ./vjail.service
}

atf_init_test_cases()
{
    atf_add_test_case systemd_unit
    atf_add_test_case install_layout
    atf_add_test_case install_destdir
    atf_add_test_case install_nothing_outside
}
