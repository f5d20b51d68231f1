# make build     a binary for this machine in bin/
# make release   static binaries with version information in dist/, with SHA-256 sums
# make test      the test suite (PostgreSQL variants when PATCHBAY_TEST_DATABASE_URL is set)
# make docker    the container image patchbay:$(VERSION)

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE      ?= $(shell git log -1 --format=%cI 2>/dev/null)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: build release test docker clean

build:
	go build -ldflags "$(LDFLAGS)" -o bin/patchbay ./cmd/patchbay

release:
	rm -rf dist && mkdir -p dist
	for platform in $(PLATFORMS); do \
		os=$${platform%/*}; arch=$${platform#*/}; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(LDFLAGS)" \
			-o dist/patchbay-$(VERSION)-$$os-$$arch ./cmd/patchbay || exit 1; \
	done
	cd dist && sha256sum patchbay-* > SHA256SUMS

test:
	go test ./...

docker:
	docker build -t patchbay:$(VERSION) --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) .

clean:
	rm -rf bin dist
