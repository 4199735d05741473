// The generated client (src/client/, `npm run generate-client`), set up for this app:
// same-origin requests, the bearer token on each, and a way to notice an expired token.
import { client } from "./client/client.gen";

let token: string | null = null;
let onUnauthorized: () => void = () => {};

client.setConfig({
  // Same origin: Vite's proxy in development, the backend itself in production.
  baseUrl: "",
  // The app authenticates with its token only; an admin session cookie must not count.
  credentials: "omit",
});

client.interceptors.request.use((request) => {
  if (token !== null) request.headers.set("Authorization", `Bearer ${token}`);
  return request;
});

client.interceptors.response.use((response) => {
  // Sent with a token and refused: the token expired or was revoked.
  if (response.status === 401 && token !== null) onUnauthorized();
  return response;
});

/** Send `value` as the bearer token from now on (`null`: send none). */
export function setToken(value: string | null): void {
  token = value;
}

/** Call `handler` whenever a request carrying a token is refused with 401. */
export function handleUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** A websocket URL on this page's origin. */
export function socketUrl(path: string, location: Location = window.location): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}
