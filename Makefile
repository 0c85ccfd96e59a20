# vjail: GNU make, no autotools.  `make`, `make check`, `make install
# PREFIX=/dir`, `make SANITIZE=1` (ASan+UBSan), `make CC=clang`.
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS      = libseccomp libcap libmnl
BUILD    ?= build

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
            -D_GNU_SOURCE -Isrc/lib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif

LIB_SRC   = $(sort $(wildcard src/lib/*.c))
LIB_OBJ   = $(LIB_SRC:src/lib/%.c=$(BUILD)/lib/%.o)
LIB       = $(BUILD)/libvjail.a
CMDS      = jail jls jexec
CMD_BIN   = $(addprefix $(BUILD)/,$(filter $(CMDS),$(basename $(notdir $(wildcard src/*.c)))))
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all clean check unit install
all: $(CMD_BIN)

$(BUILD)/lib/%.o: src/lib/%.c src/lib/vjail.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%: src/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BIN)

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d)
