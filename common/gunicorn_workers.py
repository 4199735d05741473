

def web_concurrency(default: int) -> int:
    """The workers WEB_CONCURRENCY asks for, else `default`; stops with one line otherwise."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        sys.stderr.write(
            f"Configuration refused: WEB_CONCURRENCY must be a number of workers, not {raw!r}\n"
        )
        raise SystemExit(3)
    return int(raw)
