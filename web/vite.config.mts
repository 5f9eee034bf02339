import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// react-router's package.json points every bundler at its development build (extra checks and warnings,
// larger); its production build sits beside it.
const reactRouterProduction = fileURLToPath(
  new URL('../node_modules/react-router/dist/production/index.mjs', import.meta.url),
);

// `npm run dev` serves the console with hot reload and sends /api to the server of `npm start`.
export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { alias: command === 'build' ? { 'react-router': reactRouterProduction } : {} },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { port: 5173, proxy: { '/api': process.env.CUSTODY_API ?? 'http://127.0.0.1:3000' } },
}));
