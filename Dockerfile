# seg-prep for a cluster image (the Kubernetes example in docs/scale-out.md).
# Build: docker build -t seg-prep .   Run: docker run --rm -v /data:/data seg-prep run /data/p.yaml
FROM swift:6.1-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libvips-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev libdeflate-dev libssl-dev libxxhash-dev libarchive-dev libtiff-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --product seg-prep --static-swift-stdlib \
    && install -D .build/release/seg-prep /out/seg-prep

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libvips-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev libdeflate-dev libssl-dev libxxhash-dev libarchive-dev libtiff-dev \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/seg-prep /usr/local/bin/seg-prep
COPY pipelines /pipelines
ENTRYPOINT ["seg-prep"]
