# folio — the two commands of the quick start are `make demo` and `make test`.
# Each first runs scripts/deps.sh, which installs missing Debian packages (as root)
# or prints the exact apt-get line, then builds with CMake.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
# make install: PREFIX (default /usr/local) and DESTDIR (staging root, e.g. for packages).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

.PHONY: all deps build install uninstall demo demo-cluster demo-chains test bench fuzz format clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The man page and the bash completion are generated from the binary's command table.
install: build
	@$(BUILD)/folio man >$(BUILD)/folio.1
	@$(BUILD)/folio completion bash >$(BUILD)/folio.bash-completion
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(BUILD)/folio $(DESTDIR)$(BINDIR)/folio
	install -m 0644 $(BUILD)/folio.1 $(DESTDIR)$(MANDIR)/man1/folio.1
	install -m 0644 $(BUILD)/folio.bash-completion $(DESTDIR)$(COMPLETIONDIR)/folio

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/folio $(DESTDIR)$(MANDIR)/man1/folio.1 $(DESTDIR)$(COMPLETIONDIR)/folio

demo: build
	@bash scripts/demo.sh $(BUILD)/folio

demo-cluster: build
	@bash scripts/demo_cluster.sh $(BUILD)/folio

# A consortium of 4 members, each one process hosting the main chain and two sub-chains
# (specs/chains.md §9); the same scenario as the e2e test tests/e2e/multichain.sh.
demo-chains: build
	@FOLIO_DEMO=1 bash tests/e2e/multichain.sh $(BUILD)/folio

test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFOLIO_SANITIZE=ON -DFOLIO_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash tests/bench/run.sh $(BUILD)

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFOLIO_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@bash tests/fuzz/run.sh build-fuzz

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
