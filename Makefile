# flowcast: the two commands of the README, and a few helpers.
#   make demo   install what is missing, build (release), play the built-in stream and measure it
#   make test   install what is missing, build (release), run the whole test suite
#   make bench  install what is missing, build (release), run every benchmark into bench/RESULTS.md
#   make sweep-demo  a small sweep: TCP versus UDP below and above the stream's rate, two buffers
#   make bench-fanout  only the fan-out benchmark (one stream to many UDP viewers)
#   make bench-sweep   only the sweep benchmark (its own cost per run, runs at once)
#   make bench-jitter  only the jitter ladder (playout policies under link jitter, beside GStreamer)
#   make fuzz   install what is missing, build the fuzz targets (clang), run each FUZZ_SECONDS
#   make format        format every C++ file (.clang-format)
#   make format-check  fail when make format would change a file (CI runs it)
PRESET ?= release
JOBS   ?= $(shell nproc)
RUNS   ?= 5
FANOUT_RUNS ?= 3
JITTER_RUNS ?= 3
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build demo sweep-demo test test-asan bench bench-fanout bench-sweep bench-audio bench-jitter fuzz format format-check clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	@scripts/demo.sh build/$(PRESET)

# TCP versus UDP on links below and above a 600k stream, two buffers, 3
# seeds: 36 runs of 8 s into out/sweep-demo (resumed if interrupted).
sweep-demo: build
	-@build/$(PRESET)/client/flowcast-sweep --bitrate 600k --link-rate 400k,1M,2M \
	  --transport tcp,udp --buffer 250ms,1s --seeds 3 --duration 8s --pattern 320x240@30 \
	  --out out/sweep-demo
	@build/$(PRESET)/client/flowcast-sweep report out/sweep-demo -o out/sweep-demo/sweep.html

test: build
	@ctest --preset $(PRESET)

bench: build
	@bench/run.sh --runs $(RUNS) --build build/$(PRESET)
	@bench/fanout.sh --runs $(FANOUT_RUNS) --build build/$(PRESET)

bench-fanout: build
	@bench/fanout.sh --runs $(FANOUT_RUNS) --build build/$(PRESET)

bench-sweep: build
	@bench/sweep.sh --build build/$(PRESET)

bench-audio: build
	@bench/audio.sh --runs $(RUNS) --build build/$(PRESET)

bench-jitter: build
	@bench/jitter.sh --runs $(JITTER_RUNS) --build build/$(PRESET)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# Finds go to build/fuzz/findings/, never into tests/fuzz/corpus (see tests/fuzz/README.md).
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@tests/fuzz/run.sh --build build/fuzz --seconds $(FUZZ_SECONDS)

format: deps
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check: deps
	@clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
