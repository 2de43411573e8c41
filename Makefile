# The two README commands: `make run` and `make test`. `make build` builds without running.
# Everything goes through CMake presets (Ninja); the binary lands at build/release/sam3rt.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SAM3RT := $(BUILD_DIR)/sam3rt
MODEL ?=
OUT ?= out

.PHONY: all deps build run test test-asan bench clean

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

clean:
	rm -rf build
