// The generated client (src/client/, `npm run generate-client`), set up for this app:
// same-origin requests, and websockets on the same origin.
import { client } from "./client/client.gen";

client.setConfig({
  // Same origin: Vite's proxy in development, the backend itself in production.
  baseUrl: "",
  // Never cookies: an admin's session cookie must not count as the app's credentials.
  credentials: "omit",
});

/** A websocket URL on this page's origin. */
export function socketUrl(path: string, location: Location = window.location): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}
