import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The faces as separate pages, so the public watch page carries neither
// mediasoup-client nor socket.io. `npm run dev` serves them with the API,
// the control channel and the HLS origin proxied to a running Plenary.
const server = process.env.PLENARY_URL ?? 'http://localhost:8080';

export default defineConfig({
  root: __dirname,
  base: '/',
  resolve: { alias: { '@plenary/shared': resolve(__dirname, '../shared/src/index.ts') } },
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome100',
    rollupOptions: {
      input: { host: resolve(__dirname, 'host.html'), join: resolve(__dirname, 'join.html'), watch: resolve(__dirname, 'watch.html'), caption: resolve(__dirname, 'caption.html'), interpret: resolve(__dirname, 'interpret.html') },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': server,
      '/hls': server,
      '/socket.io': { target: server, ws: true },
    },
  },
});
