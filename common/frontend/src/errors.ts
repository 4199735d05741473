// What to show for a failed request: messages next to form fields, or one message.

export type FieldErrors = Partial<Record<string, string>>;

export interface Problem {
  /** One message per field that the backend refused (422), by field name. */
  fields: FieldErrors;
  /** A message for the whole form or page, when some problem names no field. */
  message: string | null;
}

interface ValidationEntry {
  loc?: unknown;
  msg?: unknown;
}

const MESSAGES: Record<number, string> = {
  401: "Log in to do that.",
  403: "You can only change your own items.",
  404: "That item no longer exists.",
  413: "That is too much data.",
  429: "Too many attempts. Try again later.",
};

/** Turn a response's status and body into messages; `fields` are the form's field names. */
export function describeError(
  status: number,
  body: unknown,
  fields: readonly string[] = [],
): Problem {
  const detail = typeof body === "object" && body !== null && "detail" in body ? body.detail : null;
  if (status === 422 && Array.isArray(detail)) {
    const problem: Problem = { fields: {}, message: null };
    const other: string[] = [];
    for (const entry of detail as ValidationEntry[]) {
      const loc = Array.isArray(entry.loc) ? entry.loc : [];
      const field = loc.find((part): part is string => fields.includes(String(part)));
      const msg = typeof entry.msg === "string" ? entry.msg : "Invalid value.";
      if (field !== undefined) {
        problem.fields[field] ??= msg;
      } else {
        other.push(msg);
      }
    }
    problem.message = other.length ? other.join(" ") : null;
    return problem;
  }
  const message = MESSAGES[status] ?? (typeof detail === "string" ? detail : null);
  return { fields: {}, message: message ?? `The request failed (HTTP ${status}).` };
}

/** What a finished call of the generated client returned, besides its data. */
export interface Outcome {
  error?: unknown;
  response?: Response;
}

/** The problem a finished call had, or null when it succeeded; `fields` as above. */
export function problemOf(
  { error, response }: Outcome,
  fields: readonly string[] = [],
): Problem | null {
  if (response?.ok) return null;
  if (!response) return { fields: {}, message: "The server cannot be reached." };
  return describeError(response.status, error, fields);
}
