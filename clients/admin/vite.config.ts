import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The admin dashboard: one entry for the forms and tables; the QoS page (uPlot) in a
// chunk of its own, loaded when an admin opens it.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  plugins: [react()],
  // The gateway's explorer (graphiql) hoists React 18 to the repository's root, where
  // @apollo/client would find it: every import of React resolves to the dashboard's own.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    manifest: true,
    reportCompressedSize: false,
  },
});
