// The items page: the count and the rows stay current without a reload.
// - An item added through the form (htmx) appears as a row, the form empties, the count grows.
// - With websockets (the table has `data-live`), every client's change arrives on
//   /ws/items as {"event": "created" | "updated" | "deleted", "item": Item} and shows at once.
(() => {
  "use strict";
  const rows = document.getElementById("items");
  const count = document.getElementById("item-count");
  if (!rows || !count) return;

  const total = () => Number(count.dataset.total);
  const setTotal = (value) => {
    count.dataset.total = String(value);
    count.textContent = `${value} item${value === 1 ? "" : "s"}`;
    if (value === 0 && !rows.querySelector("tr")) {
      const empty = document.createElement("tr");
      const cell = document.createElement("td");
      empty.id = "no-items";
      cell.colSpan = 4;
      cell.textContent = "No items yet.";
      empty.append(cell);
      rows.append(empty);
    }
  };

  const cell = (text) => {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  };
  const render = (item) => {
    const tr = document.createElement("tr");
    tr.id = `item-${item.id}`;
    tr.append(
      cell(item.name),
      cell(item.price),
      cell(item.in_stock ? "yes" : "no"),
      cell(item.owner ?? ""),
    );
    return tr;
  };

  // Replace the row when the page shows it; otherwise add it, once, if the item is new.
  const show = (tr, isNew) => {
    const old = document.getElementById(tr.id);
    if (old) {
      old.replaceWith(tr);
    } else if (isNew) {
      document.getElementById("no-items")?.remove();
      rows.append(tr);
      setTotal(total() + 1);
    }
  };
  const remove = (id) => {
    document.getElementById(`item-${id}`)?.remove();
    setTotal(Math.max(0, total() - 1));
  };

  // The form's new row goes through `show`, so a websocket event for it is not counted twice.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== rows || !event.detail.xhr || event.detail.xhr.status >= 300) return;
    event.detail.shouldSwap = false;
    const template = document.createElement("template");
    template.innerHTML = event.detail.xhr.responseText.trim();
    const tr = template.content.querySelector("tr");
    if (tr) show(tr, true);
    const form = event.detail.requestConfig?.elt;
    if (form instanceof HTMLFormElement) form.reset();
    document.getElementById("form-errors")?.replaceChildren();
  });

  if (!("live" in rows.dataset)) return;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/items`);
    socket.addEventListener("message", (message) => {
      const { event, item } = JSON.parse(message.data);
      if (event === "deleted") remove(item.id);
      else show(render(item), event === "created");
    });
    // Reconnect after a restart of the server; events sent meanwhile are missed.
    socket.addEventListener("close", () => setTimeout(connect, 3000));
  };
  connect();
})();
