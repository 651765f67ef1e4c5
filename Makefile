# cairn: the build.
#
# `make` builds ./cairn. Sources are found by wildcard: every src/**/*.c is
# part of the binary, every tests/unit/*.c is one unit-test program linked
# against all objects but src/cli/main.o. Lua sources, policy packs and the
# trimmed AWS service models are compiled into the binary by tools/embed.
#
#   make            build ./cairn
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, run the demo
#   make deps       install missing Debian packages (silent when all are there)
#   make asan       build with ASan+UBSan into build-asan/ and run the tests
#   make unit       unit tests only;  make integration  integration tests only
#   make lint       cfn-lint on every stack in stacks/

BUILD    ?= build
CC       ?= cc
PKGS     := yaml-0.1 jansson libcurl lua5.4 libgit2 expat openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
            -Wno-format-nonliteral
OPT      ?= -O2 -g
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) \
            -Iinclude -Isrc $(PKG_CFLAGS) $(SAN)
LDFLAGS  += $(SAN)
LDLIBS   += $(PKG_LIBS) -lm

SRC      := $(shell find src -name '*.c' | LC_ALL=C sort)
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
LIBOBJ   := $(filter-out $(BUILD)/src/cli/main.o,$(OBJ)) $(BUILD)/embedded.o
DEP      := $(OBJ:.o=.d)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

# Everything compiled into the binary: providers, the policy library and
# packs (not their fixtures), and the trimmed service models.
EMBED_FILES := $(shell find lua data/models policies -type f \
                 \( -name '*.lua' -o -name '*.json' -o -name '*.yaml' \) \
                 -not -path '*/fixtures/*' 2>/dev/null | LC_ALL=C sort)

# V=1 shows the commands; otherwise a build that succeeds prints nothing.
Q := $(if $(V),,@)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS   += -DCAIRN_VERSION='"$(VERSION)"'

.PHONY: all test unit integration demo deps asan lint clean policy-test bench

all: cairn

cairn: $(BUILD)/cairn
	@cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/cairn: $(OBJ) $(BUILD)/embedded.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/embedded.c: $(BUILD)/tools/embed $(EMBED_FILES) Makefile
	$(Q)$(BUILD)/tools/embed $@ $(EMBED_FILES)

$(BUILD)/embedded.o: $(BUILD)/embedded.c
	$(Q)$(CC) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBOBJ) tests/unit/test.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBOBJ) $(LDFLAGS) $(LDLIBS)

deps:
	@sh tools/deps.sh

unit: cairn $(UNIT_BIN)
	@sh tools/run-unit.sh $(BUILD)/tests/unit $(UNIT_BIN)

integration: cairn
	@python3 tests/run.py

lint:
	@if ls stacks/*.yaml >/dev/null 2>&1; then cfn-lint stacks/*.yaml; fi

policy-test: cairn
	@./cairn policy test policies

test: deps
	@$(MAKE) --no-print-directory cairn
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory policy-test
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory integration

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined' build-asan/cairn \
	  $(UNIT_SRC:tests/unit/%.c=build-asan/tests/unit/%)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tools/run-unit.sh build-asan/tests/unit $(UNIT_SRC:tests/unit/%.c=build-asan/tests/unit/%)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CAIRN=$(CURDIR)/build-asan/cairn python3 tests/run.py

demo: deps
	@$(MAKE) --no-print-directory cairn
	@sh tools/demo.sh

bench: cairn
	@sh bench/run.sh

clean:
	rm -rf build build-asan cairn

-include $(DEP)
