import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `vite build` writes dist/ (served at / by the local gateway and by the client image);
// `vite` serves the sources and forwards /api to `npm start`'s gateway.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': process.env.TICKETING_API ?? 'http://127.0.0.1:8080' } },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.tsx'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
