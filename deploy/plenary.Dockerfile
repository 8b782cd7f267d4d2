# Plenary (server + sfu) in one image. The mediasoup worker is built the same
# way as on a developer machine: scripts/setup.sh compiles it from the npm
# package's sources against Debian's libraries (bookworm = Debian 12).
FROM node:20-bookworm
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
ENV HOST=0.0.0.0 PORT=8080 RTC_PORT=40000 MEDIASOUP_WORKERS=2
EXPOSE 8080 40000/udp 40000/tcp 40001/udp 40001/tcp
CMD ["node", "server/dist/main.js"]
