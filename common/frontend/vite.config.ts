/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the app on :5173 and forwards the backend's paths to it, so the
// browser sees one origin (no CORS). BACKEND_URL names another backend than :8000.
// The backend gets the browser's own Host header (localhost:5173, where `changeOrigin`
// would send the backend's), so its same-origin checks (the admin's CSRF, the
// cross-origin check) accept the forms the browser posts through the dev server.
const forward = {
  target: process.env.BACKEND_URL ?? "http://127.0.0.1:8000",
  changeOrigin: false,
};

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": forward,
      "/admin": forward,
      "/static": forward,
      "/ws": { ...forward, ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
