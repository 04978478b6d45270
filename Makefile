# Slope — the two commands a newcomer types are `make run` and `make test`.
SWIFT ?= swift
APT_PACKAGES := libgd-dev libpng-dev libopenblas-dev fonts-dejavu-core
OUT ?= output

.PHONY: setup build release run test consumer bench coverage mutants fuzz sanitize clean lint docs report-check

# Installs the C libraries and the font only when something is missing: each package must
# be installed according to dpkg (a removed package's leftover config does not count) and
# the three libraries must be visible to pkg-config.
installed = dpkg-query -W -f='$${Status}' $(1) 2>/dev/null | grep -q 'install ok installed'
setup:
	@missing=""; \
	for p in $(APT_PACKAGES); do $(call installed,$$p) || missing="$$missing $$p"; done; \
	pkg-config --exists gdlib 2>/dev/null || missing="$$missing libgd-dev"; \
	pkg-config --exists openblas 2>/dev/null || missing="$$missing libopenblas-dev"; \
	pkg-config --exists libpng 2>/dev/null || missing="$$missing libpng-dev"; \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | xargs); \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $(APT_PACKAGES); \
	else echo "setup: libgd, libpng, OpenBLAS and DejaVu fonts present"; fi

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product slope

run: release
	$$($(SWIFT) build -c release --show-bin-path)/slope demo --out $(OUT)

test: setup
	$(SWIFT) test
	@if python3 -c 'import numpy' 2>/dev/null; then python3 fixtures/test_slope_fixture.py; \
	else echo "test: the fixture writer's tests need python3 with numpy; skipped"; fi
	$(MAKE) --no-print-directory consumer

# Slope as a versioned dependency: a tagged clone of this tree, and Examples/ConsumerPackage
# built and tested against it with `from:` (everything in a temporary directory, removed after).
consumer: setup
	SWIFT="$(SWIFT)" Examples/check-consumer.sh

bench: setup
	$(SWIFT) build -c release --product slope-bench
	$(SWIFT) build -c release --product slope
	$$($(SWIFT) build -c release --show-bin-path)/slope-bench --out $(OUT)

# Line coverage of the layers and C kernels reached by `slope verify` alone (llvm-cov from
# the toolchain), with every line the gate never ran; fails below COVERAGE_MIN (95) percent.
coverage: setup
	SWIFT="$(SWIFT)" scripts/coverage.sh

# One bug planted at a time in a layer or kernel path (scripts/mutants.py lists them), each
# rebuilt in .build-mutants: `slope verify` must exit 1 on every one. About 20 s a mutant.
mutants: setup
	python3 scripts/mutants.py "$(SWIFT)"

# libFuzzer targets for the CSV, fixture and checkpoint readers (Fuzz/fuzz.sh): each is
# built with ASan and run for FUZZ_SECONDS; crashes land in fuzz-artifacts/. Not in `test`.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/fuzz.sh

# The whole test suite under AddressSanitizer, then ThreadSanitizer, each in its own
# scratch directory (git-ignored by .build-*/). .lsan-suppressions lists the toolchain's
# own leaks (XCTest, Foundation), which LeakSanitizer reports when the runner exits.
sanitize: setup
	LSAN_OPTIONS=suppressions=$(CURDIR)/.lsan-suppressions $(SWIFT) test --sanitize=address --scratch-path .build-asan
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz .build-coverage .build-docs .build-mutants fuzz-artifacts

# The HTML report in a real browser: installs Debian's chromium when missing, then runs the
# browser tests (required here, skipped by `make test` without chromium) and keeps the pages,
# screenshots (1280 px and phone width) and the printed PDF in $(OUT)/report-check to look at.
report-check: setup
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends chromium; }
	SLOPE_REQUIRE_BROWSER=1 SLOPE_REPORT_CHECK_DIR="$(abspath $(OUT))/report-check" $(SWIFT) test --filter HTMLReport
	@echo "report-check: pages and screenshots in $(OUT)/report-check"

# Style: `swift format` ships with the toolchain; the rules are in .swift-format.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks/slope-bench Fuzz Examples/ConsumerPackage Package.swift

# API reference (DocC) for the libraries a user imports, from symbol graphs, with the docc
# that ships with the toolchain: docs/api/<Module>/ (open index.html through a web server).
DOC_MODULES := SlopeLayers SlopeCheck SlopeGate SlopeTesting SlopeAutodiff
docs: setup
	@# It also tries the test modules and fails on them; the library graphs are checked below.
	-@$(SWIFT) package --scratch-path .build-docs dump-symbol-graph --minimum-access-level public >/dev/null 2>&1
	@rm -rf docs/api && mkdir -p docs/api
	@graphs=$$(find .build-docs -type d -name symbolgraph | head -1); \
	for m in $(DOC_MODULES); do \
	  catalog=Sources/$$m/$$m.docc; [ -d $$catalog ] || catalog=""; \
	  rm -rf .build-docs/graphs-$$m && mkdir -p .build-docs/graphs-$$m && \
	  cp $$graphs/$$m.symbols.json .build-docs/graphs-$$m/ && \
	  { cp $$graphs/$$m@*.symbols.json .build-docs/graphs-$$m/ 2>/dev/null || true; } && \
	  docc convert $$catalog --fallback-display-name $$m --fallback-bundle-identifier org.slope.$$m \
	    --additional-symbol-graph-dir .build-docs/graphs-$$m --output-path docs/api/$$m \
	    --transform-for-static-hosting --hosting-base-path $$m >/dev/null || exit 1; \
	done
	@echo "docs: docs/api/{$$(echo $(DOC_MODULES) | tr ' ' ',')}"
