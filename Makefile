# vjail: GNU make, no autotools.  `make`, `make check`, `make install
# PREFIX=/dir`, `make SANITIZE=1` (ASan+UBSan), `make CC=clang`.
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS      = libseccomp libcap libmnl libnftables
# libseccomp and libcap are linked statically (their .a ship in the -dev
# packages) and libnftables is dlopen()ed when NAT or forwards need it
# (src/lib/vnet_nft.c): each shared library the loader must map and
# relocate costs every jail(8) start.  SANITIZE=1 keeps them shared.
BUILD    ?= build

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
            -D_GNU_SOURCE= -Isrc/lib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
LDLIBS   += $(shell pkg-config --libs libseccomp libcap libmnl 2>/dev/null) -ldl
else
LDLIBS   += -Wl,-Bstatic $(shell pkg-config --libs --static libseccomp libcap 2>/dev/null) \
            -Wl,-Bdynamic $(shell pkg-config --libs libmnl 2>/dev/null) -ldl
endif
# clang's -Wformat=2 also flags v*printf(fmt, ap) inside printf-like
# wrappers, which gcc accepts; the wrappers carry format attributes.
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),)
CFLAGS   += -Wno-format-nonliteral
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
# No leak check at exit in the commands: see tests/sanitize_defaults.c.
CMD_EXTRA = $(BUILD)/sanitize_defaults.o
endif
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif

# A build directory remembers the flags it was built with: building it
# again with other flags (SANITIZE=1, CC=clang, ...) rebuilds everything
# instead of mixing objects.
FLAGS_STAMP := $(BUILD)/.flags
VJ_FLAGS    := $(CC) $(CFLAGS) $(LDFLAGS)
ifneq ($(VJ_FLAGS),$(file <$(FLAGS_STAMP)))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(VJ_FLAGS))
endif

LIB_SRC   = $(sort $(wildcard src/lib/*.c))
LIB_OBJ   = $(LIB_SRC:src/lib/%.c=$(BUILD)/lib/%.o)
LIB       = $(BUILD)/libvjail.a
CMDS      = jail jls jexec rctl
CMD_BIN   = $(addprefix $(BUILD)/,$(filter $(CMDS),$(basename $(notdir $(wildcard src/*.c)))))
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Install layout: commands in sbin, man pages in share/man/man{5,8}, helper
# programs (later) in libexec/vjail.  Nothing is written outside
# $(DESTDIR)$(PREFIX).
SBINDIR    = $(PREFIX)/sbin
MANDIR     = $(PREFIX)/share/man
LIBEXECDIR = $(PREFIX)/libexec/vjail
UNITDIR    = $(PREFIX)/lib/systemd/system
# Man pages generated from man/*.in into $(BUILD)/man/ (the rule that makes
# them lives next to their generator); static ones are man/*.5 and man/*.8.
MAN_GEN   = $(patsubst man/%.in,$(BUILD)/man/%,$(wildcard man/*.in))
MAN_SRC   = $(wildcard man/*.5 man/*.8)
# Helper programs for $(LIBEXECDIR): append their $(BUILD)/... paths
# (`LIBEXEC_BIN += $(BUILD)/x`, anywhere in this file).
LIBEXEC_BIN =

.PHONY: all clean check check-warnings unit install
# Second expansion so that appends further down the file are seen.
.SECONDEXPANSION:
all: $(CMD_BIN) $$(MAN_GEN) $$(LIBEXEC_BIN)

$(BUILD)/lib/%.o: src/lib/%.c src/lib/vjail.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%: src/%.c $(LIB) $(CMD_EXTRA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CMD_EXTRA) $(LIB) $(LDLIBS)

$(BUILD)/sanitize_defaults.o: tests/sanitize_defaults.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BIN)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(CMD_BIN) $(DESTDIR)$(SBINDIR)/
	$(if $(LIBEXEC_BIN),install -m 0755 $(LIBEXEC_BIN) $(DESTDIR)$(LIBEXECDIR)/)
	for f in $(MAN_SRC) $(MAN_GEN); do \
		case $$f in *.5) d=man5 ;; *.8) d=man8 ;; *) continue ;; esac; \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/$$d/ || exit 1; \
	done
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' init/vjail.service.in > $(DESTDIR)$(UNITDIR)/vjail.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vjail.service

# Build everything (commands and unit tests) with gcc and with clang,
# -Werror, each in its own directory under $(BUILD).
check-warnings:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/werror-gcc CC=gcc WERROR=1 all unit
	$(MAKE) --no-print-directory BUILD=$(BUILD)/werror-clang CC=clang WERROR=1 all unit

# The whole test suite (unit, integration, fuzz), ASan+UBSan build.
check:
	BUILD=$(BUILD)-asan tests/run

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d)

# ---- parameter documentation, jail(8) page, fuzzing (config) --------------
# paramdoc prints the parameter table as mdoc; it is spliced into jail(8)
# at the line `.\" @PARAMETERS@` of man/jail.8.in.
CONF_SRC  = src/lib/util.c src/lib/params.c $(sort $(wildcard src/lib/conf_*.c))
PARAMDOC  = $(BUILD)/tools/paramdoc
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 60

.PHONY: man fuzz fuzz-run
all: man
man: $(BUILD)/man/jail.8

$(PARAMDOC): src/tools/paramdoc.c src/lib/util.c src/lib/params.c src/lib/vjail.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ src/tools/paramdoc.c src/lib/util.c src/lib/params.c

$(BUILD)/man/jail.8: man/jail.8.in $(PARAMDOC)
	@mkdir -p $(dir $@)
	$(PARAMDOC) > $@.params
	sed -e '/^\.\\" @PARAMETERS@$$/{r $@.params' -e 'd;}' man/jail.8.in > $@.tmp
	rm -f $@.params && mv $@.tmp $@

fuzz: $(BUILD)/fuzz/fuzz_conf

$(BUILD)/fuzz/fuzz_conf: fuzz/fuzz_conf.c $(CONF_SRC) src/lib/vjail.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Isrc/lib -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ fuzz/fuzz_conf.c $(CONF_SRC)

# Bounded run; new inputs go to $(BUILD)/fuzz/corpus, crashes to
# $(BUILD)/fuzz/artifacts/ (the checked-in corpus stays untouched).
fuzz-run: $(BUILD)/fuzz/fuzz_conf
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/artifacts
	$(BUILD)/fuzz/fuzz_conf -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -dict=fuzz/conf.dict \
	    -artifact_prefix=$(BUILD)/fuzz/artifacts/ $(BUILD)/fuzz/corpus fuzz/corpus

# ---- network helpers (netlink) ---------------------------------------------
# ifconfig and route for $(LIBEXECDIR), built from src/libexec/*.c by the
# $(BUILD)/% rule above.
LIBEXEC_BIN += $(patsubst src/libexec/%.c,$(BUILD)/libexec/%,$(wildcard src/libexec/*.c))

# ---- rctl -------------------------------------------------------------------
# rctl_hook drives the engine hooks of rctl (apply/release/enter/usage) for
# tests/integration/rctl_test.sh, without a jail; built with the unit tests.
RCTL_HOOK = $(BUILD)/tests/rctl_hook
unit: $(RCTL_HOOK)
$(RCTL_HOOK): tests/integration/rctl_hook.c $(LIB) $(CMD_EXTRA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CMD_EXTRA) $(LIB) $(LDLIBS)
