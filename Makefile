# modelfit: the two commands a new user runs, `make demo` and `make test`.
# Both install the Debian 12 packages that are missing (as root, apt-get,
# non-interactive), configure with CMake, build and run.

PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Everything the build, the tests and the demo need, from Debian 12.
DEB_PACKAGES = build-essential cmake pkg-config libltdl-dev libgsl-dev libcmocka-dev \
               liblua5.4-dev libcairo2-dev \
               libopenmpi-dev openmpi-bin clang-format

.PHONY: all deps configure build test test-normal test-asan demo install clean format

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "modelfit: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "modelfit: error: run as root, or install them yourself: apt-get install$$missing" >&2; \
	    exit 1; \
	  fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DMF_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -DMF_WERROR=ON -DMF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	  $(CMAKE_FLAGS)

test-normal: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# The whole suite twice: a normal -Werror build, then ASan + UBSan.
test: test-normal test-asan
	@echo "modelfit: all tests passed in both builds ($(BUILD), $(ASAN_BUILD))"

demo: build
	./examples/run-demo $(BUILD)

# The library looks for plugins in the plugin directory of the prefix it was
# configured with, so the build is configured with PREFIX before installing.
install: deps $(BUILD)/CMakeCache.txt
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

format:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES=clang-format
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# ---- fuzzing (issue 6) --------------------------------------------------
# `make fuzz [FUZZ_SECONDS=60]`: builds the libFuzzer targets of fuzz/ with
# clang in $(FUZZ_BUILD) and runs each for FUZZ_SECONDS, one after the
# other, on a copy of its seed corpus (the tree's fuzz/corpus is never
# written). Crashing inputs land in $(FUZZ_BUILD)/fuzz-artifacts/<target>/.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= equations expr quantity csv npy spikes checkpoint lua_options
# clang with libFuzzer and the sanitizer runtimes, and LLVM's OpenMP for clang.
FUZZ_PACKAGES = clang libclang-rt-14-dev libomp-dev

.PHONY: fuzz fuzz-deps fuzz-build

fuzz-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_PACKAGES) $(FUZZ_PACKAGES)"

$(FUZZ_BUILD)/CMakeCache.txt: | fuzz-deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DMF_FUZZ=ON $(CMAKE_FLAGS)

fuzz-build: fuzz-deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target mf_fuzzers

fuzz: fuzz-build
	@failed=""; \
	for t in $(FUZZ_TARGETS); do \
	  corpus=$(FUZZ_BUILD)/fuzz-corpus/$$t; art=$(FUZZ_BUILD)/fuzz-artifacts/$$t; \
	  log=$(FUZZ_BUILD)/fuzz-$$t.log; \
	  mkdir -p $$corpus $$art && cp fuzz/corpus/$$t/* $$corpus/ || exit 1; \
	  dict=""; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
	  echo "modelfit: fuzzing $$t for $(FUZZ_SECONDS) s (log: $$log)"; \
	  if $(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	       -print_final_stats=1 -artifact_prefix=$$art/ $$dict $$corpus >$$log 2>&1; then \
	    sed -n 's/^stat::\(number_of_executed_units\|average_exec_per_sec\|new_units_added\): */  \1 /p' $$log; \
	  else \
	    tail -n 40 $$log; failed="$$failed $$t"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then \
	  echo "modelfit: error: fuzzing found problems in:$$failed (inputs in $(FUZZ_BUILD)/fuzz-artifacts/)" >&2; \
	  exit 1; \
	fi; \
	echo "modelfit: fuzzing found nothing in $(FUZZ_SECONDS) s per target"
