# Developer shortcuts for memtui. `make` alone prints the list below; each
# target's `##` comment is its one-line description in that list.

GO         ?= go
GORELEASER ?= goreleaser
BINARY     ?= memtui
# The same variable the release build sets, so a local binary says where it came from.
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
FIXTURE    ?= probes/testdata/fixtures/odoo-high
# GoReleaser reads the commit, its date and the URL from git, and if `git ls-remote
# --get-url` fails (a clone with no remote) it drops all of them: the snapshot is then
# named "none" and stamped with the wall clock. Give such a clone the project URL for
# this one command only, through git's environment config, without editing .git/config.
SNAPSHOT_ENV := $(if $(shell git remote 2>/dev/null),,GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/memtui/memtui.git)

.DEFAULT_GOAL := help
.PHONY: help build test race golden bench run-fixture snapshot lint release-check clean

help: ## List the targets with what they do
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build ./memtui, and memtui-watch beside it (memtui watch runs it), with the version from git
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BINARY) .
	CGO_ENABLED=0 $(GO) build -trimpath -tags memtui_watch -ldflags "-s -w -X main.version=$(VERSION)" -o $(dir $(BINARY))memtui-watch .

test: ## Run all tests
	$(GO) test ./...

race: ## Run all tests under the race detector (slow)
	$(GO) test -race ./...

golden: ## Rewrite the ui golden files after an intended view change
	$(GO) test ./ui/... -update

bench: ## Run the benchmarks with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem ./...

run-fixture: ## Run the dashboard on the odoo-high fixture tree
	$(GO) run . --proc $(FIXTURE)/proc --sys $(FIXTURE)/sys

snapshot: ## Build release archives and packages locally into dist/ (no publish)
	$(SNAPSHOT_ENV) $(GORELEASER) release --snapshot --clean --skip=publish

lint: ## Fail on unformatted files (gofmt -l) and go vet findings
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

release-check: ## Validate .goreleaser.yaml
	$(GORELEASER) check

clean: ## Remove the local binaries, dist/ and build/ (man pages, completions)
	rm -rf $(BINARY) $(dir $(BINARY))memtui-watch dist build
