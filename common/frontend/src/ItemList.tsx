import { useCallback, useEffect, useState } from "react";
import { itemsCreate, itemsDelete, itemsList, itemsUpdate } from "./client/sdk.gen";
import type { Item, ItemPage } from "./client/types.gen";
import { problemOf, type Problem } from "./errors";
import { LIVE_UPDATES } from "./features";
import { ItemForm } from "./ItemForm";
import { ITEM_FIELDS, type ItemValues } from "./items";
import { useItemEvents } from "./live";

export const PAGE_SIZE = 10;

interface ItemListProps {
  /** Whether the form to add an item is shown. */
  mayAdd: boolean;
  /** Whether an item shows its Edit and Delete buttons. */
  mayChange: (item: Item) => boolean;
  /** Who is asking: the list is fetched again, and any edit closed, when it changes. */
  viewer?: string | null;
}

/** The form to add an item (when allowed) and the items, a page at a time. */
export function ItemList({ mayAdd, mayChange, viewer = null }: ItemListProps) {
  const [page, setPage] = useState<ItemPage | null>(null);
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [editingFor, setEditingFor] = useState(viewer);
  if (editingFor !== viewer) {
    setEditingFor(viewer);
    setEditing(null);
  }

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
    // Fetch on mount, on a page change, and when someone else is asking.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(offset);
  }, [load, offset, viewer]);

  useItemEvents(LIVE_UPDATES, () => void load(offset));

  async function create(values: ItemValues): Promise<Problem | null> {
    const problem = problemOf(await itemsCreate({ body: values }), ITEM_FIELDS);
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
    const problem = problemOf(outcome, ITEM_FIELDS);
    if (problem === null) setEditing(null);
    if (problem === null || outcome.response?.status === 404) await load(offset);
    return problem;
  }

  async function remove(item: Item) {
    const outcome = await itemsDelete({ path: { id: item.id } });
    setMessage(problemOf(outcome)?.message ?? null);
    await load(offset);
  }

  const total = page?.total ?? 0;

  return (
    <>
      {mayAdd ? (
        <section>
          <h2>Add an item</h2>
          <ItemForm title="New item" submitLabel="Add item" onSubmit={create} />
        </section>
      ) : null}

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
                  {mayChange(item) ? (
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
    </>
  );
}
