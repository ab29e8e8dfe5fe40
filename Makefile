# shopd — see README.md. `make` builds build/shopd; `make test` installs what is
# missing, builds and runs every test on SQLite and PostgreSQL; `make run` serves.

CC       ?= cc
BUILD    ?= build
# PKGS are linked; HDR_PKGS give headers only: src/db/postgres.c dlopens libpq when a
# postgres:// database opens, so a server on SQLite never maps it (docs/ARCHITECTURE.md).
PKGS     := libmicrohttpd jansson sqlite3 nettle libargon2 libmagic
HDR_PKGS := libpq

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -fno-common -Wformat=2 -Wno-format-nonliteral
HARDEN   := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -Isrc -I$(BUILD)/gen -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(HDR_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 $(WARN) $(HARDEN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(PKG_LIBS) -lpthread -lm -ldl

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
MIG_SQL  := $(sort $(wildcard src/db/migrations/*/*.sql))
GEN      := migrations_data slug_table fold_table common_passwords
OBJ      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(GEN:%=$(BUILD)/obj/gen/%.o)
MAIN_OBJ := $(BUILD)/obj/main.o
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps run test unit unit-bins sanitize fuzz bench banned clean format

all: $(BUILD)/shopd

$(BUILD)/shopd: $(OBJ) $(MAIN_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Generated sources: migrations embedded in the binary; tables computed from Debian
# packages' data at build time (Unicode NFKD for slugs, zxcvbn's common passwords).
$(BUILD)/gen/migrations_data.c: $(MIG_SQL) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_sql.sh $(MIG_SQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/slug_table.c: scripts/gen_slug_table.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 scripts/gen_slug_table.py > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/fold_table.c: scripts/gen_fold_table.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 scripts/gen_fold_table.py > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/common_passwords.c: scripts/gen_common_passwords.sh
	@mkdir -p $(dir $@)
	sh scripts/gen_common_passwords.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS) -lcmocka

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

# The whole suite: dependencies, build (gcc), static checks, unit tests, API tests on
# SQLite and on a PostgreSQL cluster started for the run. Closing line: "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all unit-bins
	@sh scripts/test.sh

unit-bins: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@sh scripts/run_unit.sh $(UNIT_BIN)

banned:
	@sh scripts/check_banned.sh

# ASan + UBSan build of everything, then the same unit and API tests.
SAN_VARS := BUILD=build-san CC=clang HARDEN=-fPIE \
  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
  LDFLAGS="-pie -fsanitize=address,undefined"
sanitize: deps
	@$(MAKE) --no-print-directory $(SAN_VARS) all unit-bins
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  SHOPD_BUILD=build-san sh scripts/test.sh

fuzz: deps
	@sh scripts/fuzz.sh

bench: deps
	@sh bench/run.sh

format:
	clang-format -i $(SRC) $(shell find src -name '*.h')

clean:
	rm -rf build build-san build-fuzz build-bench

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
