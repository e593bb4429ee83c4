# flowcast: the two commands of the README, and a few helpers.
#   make demo   install what is missing, build (release), play the built-in stream and measure it
#   make test   install what is missing, build (release), run the whole test suite
#   make bench  install what is missing, build (release), run every benchmark into bench/RESULTS.md
PRESET ?= release
JOBS   ?= $(shell nproc)
RUNS   ?= 5

.PHONY: all deps configure build demo test test-asan bench format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	@scripts/demo.sh build/$(PRESET)

test: build
	@ctest --preset $(PRESET)

bench: build
	@bench/run.sh --runs $(RUNS) --build build/$(PRESET)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
