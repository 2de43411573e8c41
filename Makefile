# The two README commands: `make run` and `make test`. `make build` builds without running.
# Everything goes through CMake presets (Ninja); the binary lands at build/release/sam3rt.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SAM3RT := $(BUILD_DIR)/sam3rt
MODEL ?=
OUT ?= out

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps build run test test-asan test-arm64 fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

run: build
	@bash scripts/run-demo.sh "$(SAM3RT)" "$(MODEL)" "$(OUT)"

test: build
	@ctest --preset $(PRESET)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=debug-asan

# libFuzzer targets (clang-14 + libclang-rt-14-dev, installed on demand), N seconds each;
# docs/fuzzing.md says what it keeps where.
fuzz:
	@bash scripts/install-deps.sh fuzz
	@bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# aarch64: cross build with Debian's arm64 packages, the unit, ops and parity suites run through
# qemu-aarch64 (the cli suite is left out: its tests start the aarch64 sam3rt binary as a child
# process, which needs binfmt_misc, usually absent in containers and CI).
test-arm64:
	@bash scripts/install-deps.sh arm64
	@cmake --preset aarch64-linux >/dev/null
	@cmake --build --preset aarch64-linux
	@ctest --preset aarch64-linux

clean:
	rm -rf build
