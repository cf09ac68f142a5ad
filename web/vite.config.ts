import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console is a static bundle in web/dist that the Sakimori server serves at '/'.
 * `vite --config web/vite.config.ts` proxies /api and /healthz to a running server
 * (SAKIMORI_API, default http://127.0.0.1:8080) for development.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // No CDN, no external fonts: the deployment network is closed.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': process.env.SAKIMORI_API ?? 'http://127.0.0.1:8080',
      '/healthz': process.env.SAKIMORI_API ?? 'http://127.0.0.1:8080',
    },
  },
});
