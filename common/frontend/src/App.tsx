import { useCallback, useEffect, useState } from "react";
import { handleUnauthorized, setToken } from "./api";
import {
  authToken,
  itemsCreate,
  itemsDelete,
  itemsList,
  itemsUpdate,
  usersMe,
} from "./client/sdk.gen";
import type { Item, ItemPage, User } from "./client/types.gen";
import { describeError, type Problem } from "./errors";
import { ACCOUNTS, LIVE_UPDATES } from "./features";
import { ItemForm } from "./ItemForm";
import { ITEM_FIELDS, type ItemValues } from "./items";
import { useItemEvents } from "./live";
import { LoginForm } from "./LoginForm";
import { clearSession, loadSession, saveSession, type Session } from "./session";

export const PAGE_SIZE = 10;

interface Outcome {
  error?: unknown;
  response?: Response;
}

/** The problem a finished call had, or null when it succeeded. */
function problemOf({ error, response }: Outcome): Problem | null {
  if (response?.ok) return null;
  if (!response) return { fields: {}, message: "The server cannot be reached." };
  return describeError(response.status, error, ITEM_FIELDS);
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => {
    const stored = ACCOUNTS ? loadSession() : null;
    setToken(stored?.token ?? null);
    return stored;
  });
  const [user, setUser] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [page, setPage] = useState<ItemPage | null>(null);
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const logout = useCallback((why: string | null = null) => {
    clearSession();
    setToken(null);
    setSession(null);
    setUser(null);
    setEditing(null);
    setNotice(why);
  }, []);

  // A token the backend refuses, or one past its expiry, sends the user back to log in.
  useEffect(() => {
    handleUnauthorized(() => logout("Your session has expired. Log in again."));
  }, [logout]);
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(
      () => logout("Your session has expired. Log in again."),
      Math.max(0, session.expiresAt - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [session, logout]);

  useEffect(() => {
    if (!session) return;
    let current = true;
    void usersMe().then(({ data }) => {
      if (current && data) setUser(data);
    });
    return () => {
      current = false;
    };
  }, [session]);

  const load = useCallback(async (from: number) => {
    const outcome = await itemsList({ query: { limit: PAGE_SIZE, offset: from } });
    if (outcome.data) {
      // Past the end (the last item of the last page was deleted): show the page before.
      if (outcome.data.items.length === 0 && from > 0) {
        setOffset(Math.max(0, from - PAGE_SIZE));
        return;
      }
      setPage(outcome.data);
      setMessage(null);
    } else {
      setMessage(problemOf(outcome)?.message ?? null);
    }
  }, []);

  useEffect(() => {
    // Fetch on mount, on a page change, and after logging in or out.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(offset);
  }, [load, offset, session]);

  useItemEvents(LIVE_UPDATES, () => void load(offset));

  async function login(username: string, password: string): Promise<string | null> {
    const outcome = await authToken({ body: { username, password } });
    if (!outcome.data) {
      if (outcome.response?.status === 401) return "Wrong username or password.";
      return problemOf(outcome)?.message ?? "Logging in failed.";
    }
    const next = {
      token: outcome.data.access_token,
      expiresAt: Date.now() + outcome.data.expires_in * 1000,
    };
    saveSession(next);
    setToken(next.token);
    setNotice(null);
    setSession(next);
    return null;
  }

  async function create(values: ItemValues): Promise<Problem | null> {
    const problem = problemOf(await itemsCreate({ body: values }));
    if (problem === null) {
      // Items are listed oldest first: show the last page, where the new one is.
      const last = Math.floor((page?.total ?? 0) / PAGE_SIZE) * PAGE_SIZE;
      if (last === offset) await load(offset);
      else setOffset(last);
    }
    return problem;
  }

  async function update(item: Item, values: ItemValues): Promise<Problem | null> {
    const outcome = await itemsUpdate({ path: { id: item.id }, body: values });
    const problem = problemOf(outcome);
    if (problem === null) setEditing(null);
    if (problem === null || outcome.response?.status === 404) await load(offset);
    return problem;
  }

  async function remove(item: Item) {
    const outcome = await itemsDelete({ path: { id: item.id } });
    setMessage(problemOf(outcome)?.message ?? null);
    await load(offset);
  }

  const loggedIn = !ACCOUNTS || session !== null;
  const mayChange = (item: Item) =>
    !ACCOUNTS || (user !== null && (user.is_staff || item.owner === user.username));
  const total = page?.total ?? 0;

  return (
    <main>
      <header>
        <h1>Items</h1>
        {ACCOUNTS && session ? (
          <div className="user">
            {user ? <span>Logged in as {user.username}</span> : null}
            <button type="button" onClick={() => logout()}>
              Log out
            </button>
          </div>
        ) : null}
      </header>

      {loggedIn ? (
        <section>
          <h2>Add an item</h2>
          <ItemForm title="New item" submitLabel="Add item" onSubmit={create} />
        </section>
      ) : (
        <LoginForm onLogin={login} notice={notice} />
      )}

      <section aria-label="Items">
        {message ? (
          <p className="form-error" role="alert">
            {message}
          </p>
        ) : null}
        {page && page.items.length === 0 ? <p>No items yet.</p> : null}
        <ul className="items">
          {page?.items.map((item) => (
            <li key={item.id} aria-label={item.name}>
              {editing === item.id ? (
                <ItemForm
                  title={`Edit ${item.name}`}
                  submitLabel="Save"
                  item={item}
                  onSubmit={(values) => update(item, values)}
                  onCancel={() => setEditing(null)}
                />
              ) : (
                <>
                  <div className="item">
                    <strong>{item.name}</strong> <span className="price">{item.price}</span>{" "}
                    <span>{item.in_stock ? "In stock" : "Out of stock"}</span>
                    {item.owner ? <span className="owner"> · {item.owner}</span> : null}
                    {item.description ? <p>{item.description}</p> : null}
                  </div>
                  {loggedIn && mayChange(item) ? (
                    <div className="actions">
                      <button type="button" onClick={() => setEditing(item.id)}>
                        Edit
                      </button>
                      <button type="button" onClick={() => void remove(item)}>
                        Delete
                      </button>
                    </div>
                  ) : null}
                </>
              )}
            </li>
          ))}
        </ul>
        <nav aria-label="Pages" className="pages">
          <button
            type="button"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          >
            Previous
          </button>
          <span>
            {total === 0
              ? "0 items"
              : `${offset + 1}–${Math.min(offset + PAGE_SIZE, total)} of ${total}`}
          </span>
          <button
            type="button"
            disabled={offset + PAGE_SIZE >= total}
            onClick={() => setOffset(offset + PAGE_SIZE)}
          >
            Next
          </button>
        </nav>
      </section>
    </main>
  );
}
