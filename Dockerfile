# lamux's local server as a container image: a static (musl) build in an empty image, run as
# a user without privileges. Multi-arch: the builder runs on the build machine's platform and
# cross-compiles for the image's with zig (cargo-zigbuild), so an arm64 image builds without
# emulation.
#
#   docker build -t lamux .
#   docker run -p 8080:8080 -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     -e AWS_SESSION_TOKEN -e LAMUX_DOMAIN_SUFFIX=localhost lamux

ARG RUST_VERSION=1.94.1

FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-bookworm AS build
ARG TARGETARCH
WORKDIR /src
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-pip \
    && rm -rf /var/lib/apt/lists/* \
    && pip3 install --no-cache-dir --break-system-packages cargo-zigbuild==0.24.0 ziglang==0.13.0.post1
COPY . .
RUN case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-musl ;; \
      arm64) target=aarch64-unknown-linux-musl ;; \
      *) echo "unsupported architecture $TARGETARCH" >&2; exit 1 ;; \
    esac \
    && rustup target add "$target" \
    && cargo zigbuild --locked --release --target "$target" -p lamux \
    && cp "target/$target/release/lamux" /lamux

FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="lamux" \
      org.opencontainers.image.description="HTTP multiplexer for AWS Lambda function aliases" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/lamux/lamux" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /lamux /lamux
# lamux speaks TLS to Lambda with the system's roots: the builder's CA bundle is the image's.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# The server mode's address: every interface of the container, on 8080.
ENV LAMUX_MODE=server LAMUX_LISTEN_ADDRESS=0.0.0.0 LAMUX_PORT=8080 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s CMD ["/lamux", "--healthcheck"]
ENTRYPOINT ["/lamux"]
