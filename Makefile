# shopd — see README.md. `make` builds build/shopd; `make test` installs what is
# missing, builds and runs every test on SQLite and PostgreSQL; `make run` serves.

CC       ?= cc
BUILD    ?= build
PKGS     := libmicrohttpd jansson sqlite3 libpq libcrypto libargon2 libmagic

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -fno-common -Wformat=2 -Wno-format-nonliteral
HARDEN   := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -Isrc -I$(BUILD)/gen -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 $(WARN) $(HARDEN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(PKG_LIBS) -lpthread -lm

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
MIG_SQL  := $(sort $(wildcard src/db/migrations/*/*.sql))
GEN_SRC  := $(BUILD)/gen/migrations_data.c
OBJ      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/migrations_data.o
MAIN_OBJ := $(BUILD)/obj/main.o
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps run test unit api api-sqlite api-postgres sanitize fuzz bench lint \
        banned clean format check-format

all: $(BUILD)/shopd

$(BUILD)/shopd: $(OBJ) $(MAIN_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(GEN_SRC): $(MIG_SQL) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_sql.sh $(MIG_SQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/migrations_data.o: $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS) -lcmocka

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

# The whole suite: dependencies, build (gcc), static checks, unit tests, API tests on
# SQLite and on a PostgreSQL cluster started for the run. Closing line: "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/test.sh

unit: $(UNIT_BIN)
	@sh scripts/run_unit.sh $(UNIT_BIN)

banned:
	@sh scripts/check_banned.sh

# ASan + UBSan build of everything, then the same unit and API tests.
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  HARDEN="" LDFLAGS="-fsanitize=address,undefined" all
	@SHOPD_BUILD=build-san sh scripts/test.sh

fuzz: deps
	@sh scripts/fuzz.sh

bench: deps
	@sh bench/run.sh

format:
	clang-format -i $(SRC) $(shell find src -name '*.h')

clean:
	rm -rf build build-san build-fuzz build-bench

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
