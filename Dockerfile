# Patchbay: a static binary on a distroless base, running as a non-root user.
#   docker build -t patchbay --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) --build-arg DATE=$(git log -1 --format=%cI) .
#   docker run -p 8080:8080 -v patchbay-data:/var/lib/patchbay patchbay serve --dev
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG COMMIT=""
ARG DATE=""
# modernc.org/sqlite is pure Go, so the binary needs no C library.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/patchbay ./cmd/patchbay \
 && mkdir -p /out/data

# static-debian12 has CA certificates and time zones, and no shell or curl:
# the health check is the binary's own "patchbay healthcheck".
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/patchbay /usr/local/bin/patchbay
COPY --from=build --chown=65532:65532 /out/data /var/lib/patchbay
USER 65532:65532
ENV PATCHBAY_ADDR=0.0.0.0:8080 \
    PATCHBAY_DATA=/var/lib/patchbay
# The SQLite database and its encryption.key; unused with PATCHBAY_DATABASE_URL.
VOLUME /var/lib/patchbay
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/patchbay", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/patchbay"]
CMD ["serve"]
