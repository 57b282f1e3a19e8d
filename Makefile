# Rehearsal — the two promises: `make run` and `make test` on a fresh Debian 12.
BUILD ?= build
JOBS ?= $(shell nproc)
GUI ?= ON
CMAKE_FLAGS ?=
SCENARIO ?= scenarios/examples/evening-peak.yaml
OUT ?= out/evening-peak

.PHONY: all bootstrap configure build run test bench asan soak figures clean

all: build

bootstrap:
	@tools/bootstrap $(if $(filter OFF,$(GUI)),--no-gui,)

configure: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREHEARSAL_BUILD_GUI=$(GUI) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@if [ -f $(SCENARIO) ]; then \
	  $(BUILD)/bin/rehearse run $(SCENARIO) --out $(OUT); rc=$$?; \
	  echo "report: $(OUT)/report.html (summary: $(OUT)/summary.json)"; \
	  if [ $$rc -eq 1 ]; then echo "(exit 1 = an objective was missed: that is the rehearsal's verdict, not a failure of make run)"; rc=0; fi; \
	  exit $$rc; \
	else $(BUILD)/bin/mm1_demo; fi

test: build
	@cd $(BUILD) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@for b in $(BUILD)/bin/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

asan: bootstrap
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREHEARSAL_SANITIZE=ON -DREHEARSAL_BUILD_GUI=OFF -DREHEARSAL_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 1200

soak: build
	@$(BUILD)/bin/walletctl soak --seconds $${SECONDS_BUDGET:-600}

figures: build
	@../shared/tools/figures

clean:
	rm -rf $(BUILD) build-asan
