// The bearer token, kept in localStorage until it expires or the user logs out.

const KEY = "token";

export interface Session {
  token: string;
  /** When the backend stops accepting the token, in milliseconds since the epoch. */
  expiresAt: number;
}

export function loadSession(now: number = Date.now()): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? "null") as Session | null;
    if (session && typeof session.token === "string" && session.expiresAt > now) {
      return session;
    }
  } catch {
    // A corrupt entry is treated like no entry.
  }
  localStorage.removeItem(KEY);
  return null;
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
