# The two README commands: `make run` and `make test`. `make build` builds without running.
# Everything goes through CMake presets (Ninja); the binary lands at build/release/sam3rt.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SAM3RT := $(BUILD_DIR)/sam3rt
MODEL ?=
OUT ?= out

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps build run test test-asan fuzz bench clean

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

clean:
	rm -rf build
