"""What each error status of the API means: one text per status, in every OpenAPI document."""

DESCRIPTIONS = {
    400: "The body is not valid JSON or form data",
    401: "Missing, malformed, tampered or expired bearer token",
    403: "Only the owner or staff may do this; a cookie-authenticated call needs a CSRF token",
    404: "No such item",
    413: "The request body is larger than 1 MiB",
    422: "Invalid input",
    429: "Too many failed logins: wait for Retry-After seconds",
    503: "The database is unavailable: try again after Retry-After seconds",
}
