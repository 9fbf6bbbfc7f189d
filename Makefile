# The two entry points of README: `make run` and `make test`. Everything else is a helper.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
ARGS       ?=

.PHONY: all deps deps-test build run test test-asan bench clean format format-check

all: build

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh --tests

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/modelmux serve $(ARGS)

test: deps-test $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j 2

$(BUILD_ASAN)/CMakeCache.txt:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DMODELMUX_SANITIZE=ON $(CMAKE_ARGS)

test-asan: deps-test $(BUILD_ASAN)/CMakeCache.txt
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ctest --output-on-failure -j 2

bench: build
	bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

# Fails on any difference from the checked-in style (.clang-format), include order included; CI runs it.
format-check: deps-test
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
