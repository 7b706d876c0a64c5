# SPDX-License-Identifier: MIT
# pdigate: one build for every program, library, test tool and unit test.
#
#   make            build everything into build/
#   make check      install missing packages, build, run every test (plain, then ASan/UBSan)
#   make demo       install, build, run the main job end to end on generated studies
#   make bench      run the benchmarks beside their peers
#   make asan       build and test with AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       build the libFuzzer harnesses and run each (FUZZ_SECONDS, default 600)
#   V=1             show full compiler command lines
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps check test asan demo bench fuzz clean

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-asan
else
BUILD ?= build
endif
CC  ?= cc
CXX ?= c++

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wformat-security -Wvla -Wpointer-arith \
            -Wimplicit-fallthrough -Wshadow -Wundef
CWARN    := $(WARN) -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -fno-common
ifeq ($(SAN),1)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SANLD    := -fsanitize=address,undefined
else
OPT      := -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
SANLD    :=
endif
HARDEN   := -fstack-protector-strong -fstack-clash-protection -fcf-protection=full -fPIE
PKGS     := libzip libqrencode libusb-1.0 cairo fontconfig jansson inih openssl sqlite3 zbar libcurl libmicrohttpd gnutls libpq libopenjp2 libdeflate
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# dcmtk.pc names libsndfile as a private requirement, so pkg-config fails without its -dev
# package; the DCMTK libraries we use are listed here instead.
DCMTK_LIBS := -ldcmnet -ldcmimage -ldcmjpeg -ldcmjpls -ldcmtkcharls -lijg8 -lijg12 -lijg16 \
              -ldcmimgle -ldcmdata -loflog -lofstd -lz

CPPFLAGS := -D_GNU_SOURCE -I. $(PKG_CFLAGS) -MMD -MP
CFLAGS   := -std=c17 $(CWARN) $(OPT) $(HARDEN)
CXXFLAGS := -std=c++17 $(WARN) $(OPT) $(HARDEN) -D_GLIBCXX_ASSERTIONS
LDFLAGS  := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SANLD)
LDLIBS   := $(DCMTK_LIBS) $(PKG_LIBS) -lcups -lpthread -lm

# --- sources, discovered by folder: add a file and it is built ------------------------------
src_in = $(shell find $(1) \( -name '*.c' -o -name '*.cc' \) $(2) 2>/dev/null | LC_ALL=C sort)
obj_of = $(patsubst %,$(BUILD)/obj/%.o,$(1))

LIB_SRC       := $(call src_in,lib)
PDI_SRC       := $(call src_in,pdi)
APPLIANCE_SRC := $(call src_in,appliance,-not -path 'appliance/cmd/*')
TOKENS_SRC    := $(call src_in,tokens,-not -path 'tokens/cmd/*')
CENTER_SRC    := $(call src_in,center,-not -path 'center/cmd/*')

ARCHIVES := $(BUILD)/libappliance.a $(BUILD)/libcenter.a $(BUILD)/libtokens.a \
            $(BUILD)/libpdi.a $(BUILD)/libpdg.a
LINK_ARCHIVES := -Wl,--start-group $(ARCHIVES) -Wl,--end-group

# pdigate from appliance/cmd/; pdigate-NAME from center/cmd/NAME/
CENTER_PROGS := $(patsubst center/cmd/%/,pdigate-%,$(sort $(dir $(wildcard center/cmd/*/*.c))))
PROGRAMS     := $(BUILD)/pdigate $(addprefix $(BUILD)/,$(CENTER_PROGS))
TOOLS        := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
UNITS        := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))

all: $(PROGRAMS) $(TOOLS) $(UNITS)

.SECONDEXPANSION:

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.cc.o: %.cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

define archive
$(BUILD)/lib$(1).a: $(call obj_of,$(2))
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call archive,pdg,$(LIB_SRC)))
$(eval $(call archive,pdi,$(PDI_SRC)))
$(eval $(call archive,appliance,$(APPLIANCE_SRC)))
$(eval $(call archive,tokens,$(TOKENS_SRC)))
$(eval $(call archive,center,$(CENTER_SRC)))

link = @$(if $(Q),echo "  LINK    $@") ; mkdir -p $(@D) ; \
       $(CXX) $(LDFLAGS) -o $@ $(1) $(LINK_ARCHIVES) $(LDLIBS) $(2)

$(BUILD)/pdigate: $(call obj_of,$(wildcard appliance/cmd/*.c)) $(ARCHIVES)
	$(call link,$(filter %.o,$^))

$(BUILD)/pdigate-%: $$(call obj_of,$$(wildcard center/cmd/$$*/*.c)) $(ARCHIVES)
	$(call link,$(filter %.o,$^))

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.c.o $(ARCHIVES)
	$(call link,$<)

$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.c.o $(ARCHIVES)
	$(call link,$<,-lcmocka)

deps:
	@mk/deps.sh

# test runs the suites against an existing build; check does everything from scratch.
test: all
	@tests/run.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh build
	@$(MAKE) --no-print-directory SAN=1 all
	@PDG_SAN=1 tests/run.sh build-asan

asan: deps
	@$(MAKE) --no-print-directory SAN=1 all
	@PDG_SAN=1 tests/run.sh build-asan

demo: deps
	@$(MAKE) --no-print-directory all
	@mk/demo.sh build

bench: deps
	@$(MAKE) --no-print-directory all
	@mk/bench.sh build

FUZZ_SECONDS ?= 600
fuzz: deps
	@mk/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
