import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./api"; // the generated client's set-up, before any request
import { App } from "./App";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
