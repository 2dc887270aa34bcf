# seg-prep for a cluster image (the Kubernetes example in docs/scale-out.md).
# Build: docker build -t seg-prep .   Run: docker run --rm -v /data:/data seg-prep run /data/p.yaml
FROM swift:6.1-bookworm AS build
COPY scripts/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update && grep -v '^#' /tmp/apt-packages.txt | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --product seg-prep --static-swift-stdlib \
    && install -D .build/release/seg-prep /out/seg-prep

FROM debian:bookworm-slim
COPY scripts/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update && grep -v '^#' /tmp/apt-packages.txt | grep -v '^pkg-config$' | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/seg-prep /usr/local/bin/seg-prep
COPY pipelines /pipelines
ENTRYPOINT ["seg-prep"]
