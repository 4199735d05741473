// Live updates: every item change the backend pushes over /ws/items.
import { useEffect, useRef } from "react";
import type { Item } from "./client/types.gen";
import { socketUrl } from "./api";

export interface ItemEvent {
  event: "created" | "updated" | "deleted";
  item: Item;
}

/** Call `onEvent` for each change while mounted; reconnects after a dropped connection. */
export function useItemEvents(enabled: boolean, onEvent: (event: ItemEvent) => void): void {
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  useEffect(() => {
    if (!enabled) return;
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const connect = () => {
      socket = new WebSocket(socketUrl("/ws/items"));
      socket.onmessage = (message: MessageEvent<string>) => {
        try {
          handler.current(JSON.parse(message.data) as ItemEvent);
        } catch {
          // Not an item event: ignore it.
        }
      };
      socket.onclose = () => {
        if (!closed) retry = setTimeout(connect, 3000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [enabled]);
}
