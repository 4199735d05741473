import { useState, type FormEvent } from "react";

interface Props {
  /** Log in; resolve to the message to show, or null on success. */
  onLogin: (username: string, password: string) => Promise<string | null>;
  notice: string | null;
}

export function LoginForm({ onLogin, notice }: Props) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const message = await onLogin(username, password);
    setBusy(false);
    setError(message);
    if (message === null) setPassword("");
  }

  return (
    <form aria-label="Log in" className="login" onSubmit={submit}>
      {notice ? <p role="status">{notice}</p> : null}
      <div className="field">
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        Log in
      </button>
    </form>
  );
}
