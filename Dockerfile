# conflict-timeline in a container: a build stage with the Rust toolchain, and a small
# runtime stage with only the binary (templates, static files, migrations and the bundled
# dataset are compiled into it). The database lives on the /data volume; the server runs
# as an unprivileged user and reports readiness through `conflict-timeline probe`.
#
#   docker build -t conflict-timeline .
#   docker run -p 3000:3000 -v conflict-timeline-data:/data conflict-timeline

FROM rust:1.94-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
    && strip target/release/conflict-timeline

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /data app \
    && mkdir /data && chown app:app /data
COPY --from=build /src/target/release/conflict-timeline /usr/local/bin/conflict-timeline
USER app
VOLUME ["/data"]
ENV CONFLICT_TIMELINE_DB=/data/conflict-timeline.db \
    CONFLICT_TIMELINE_BIND=0.0.0.0:3000 \
    CONFLICT_TIMELINE_LOG_FORMAT=json
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["conflict-timeline", "probe", "--timeout-secs", "3"]
ENTRYPOINT ["conflict-timeline"]
CMD ["serve", "--drain-secs", "5"]
