# A small image with the static imgcopy binary only, run as a non-root user.
#   docker build -t imgcopy .
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     -v "$PWD:/work" -w /work imgcopy aws image --id ami-… --dest eu-west-1 --wait --report r.json
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin imgcopy && strip target/release/imgcopy

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/imgcopy /usr/local/bin/imgcopy
# Reports and locks go where the user mounts a folder; state under /tmp otherwise.
ENV IMGCOPY_STATE_DIR=/tmp/imgcopy-state
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/imgcopy"]
