"""Jinja compiles each distinct template source once: per render, per process, or ever.

copier compiles every string it renders anew: each part of each of a project's ~280 paths,
the answers file's name once per path, every question's default and validator, and each
included file. One render compiles about 1,600 sources of which 340 are distinct, and
`stackpick verify` renders hundreds of projects in one process. Compiling is a function of
the source and of the environment's settings, so its result can be kept.

Kept code also keeps what Jinja computed while compiling: it writes the value of a constant
expression into the output, filters and tests included (`nodes.Filter.as_const` calls the
filter, unless it takes the context), so `999… | ans_random` (copier.yml's secret key)
comes out the same wherever that code is reused. `optimized=False` does not prevent this:
the code generator folds constant output expressions itself. So:

- `compiled_once` (`stackpick new`) keeps compiled code in memory for one render, and on
  disk (`cache_home()/jinja`, Jinja's own `FileSystemBytecodeCache` and `Bucket` format,
  like Python's `.pyc` files) only the code of sources whose compiling called no filter and
  no test: that code is a function of the source, its name and file name, the environment's
  settings, the filters' and tests' names and calling conventions, its extensions and
  Jinja's version, which the cache key holds. A file that is corrupt, truncated, from
  another Python or Jinja, or unreadable is ignored and written anew. Template files are
  kept only from a folder that stays (a file in copier's temporary clone has another name
  each render), and past `MAX_FILES` files the oldest are deleted.
- `compile_once` (a verify worker, whose projects are checked and thrown away) keeps
  compiled code in memory for the worker's life.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import types
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket, FileSystemBytecodeCache

Compile = Callable[..., Any]

#: Extensions whose parsing is a function of the source alone (nothing read from the clock,
#: the environment or a file): code compiled with only these may be kept on disk.
PURE_EXTENSIONS = frozenset(
    {
        "copier._jinja_ext.YieldExtension",
        "jinja2_ansible_filters.AnsibleCoreFiltersExtension",
        "jinja2.ext.ExprStmtExtension",
        "jinja2.ext.LoopControlExtension",
    }
)


#: How many files the cache folder holds at most (a Django render writes about 230).
MAX_FILES = 4096


def _settings(env: jinja2.Environment, name: str | None) -> tuple[Any, ...]:
    """Everything besides the source that changes what Jinja compiles it to."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    finalize = None if env.finalize is None else getattr(env.finalize, "jinja_pass_arg", "plain")
    return (
        type(env),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        env.is_async,
        autoescape,
        finalize,
    )


class _Folds:
    """How many filter and test calls Jinja has made while compiling (constant folding)."""

    count = 0


def _counting(original: Callable[..., Any]) -> Callable[..., Any]:
    def as_const(self: nodes.Expr, eval_ctx: Any = None) -> Any:
        value = original(self, eval_ctx)
        _Folds.count += 1  # only reached when the filter or test was called
        return value

    return as_const


def _callables(functions: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the compiler reads of filters or tests: their names and what each is passed."""
    return sorted((name, str(getattr(f, "jinja_pass_arg", None))) for name, f in functions.items())


def _source_stamp(module_name: str) -> tuple[str, int, int] | None:
    """The file an extension's code comes from, as Python stamps a `.pyc` with its source."""
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None)
    if filename is None:
        return None
    stat = os.stat(filename)
    return filename, stat.st_mtime_ns, stat.st_size


class _DiskCache:
    """Compiled code kept across runs, in Jinja's bytecode cache format."""

    def __init__(self, directory: Path, files_under: Path | None) -> None:
        self.directory = directory
        self.store = FileSystemBytecodeCache(str(directory))
        #: Template files are kept only from here: elsewhere (copier's temporary clone) a
        #: file has another path, written into its code, every render.
        self.files_under = None if files_under is None else str(files_under) + os.sep
        self.saved = 0
        #: Per environment: the filters and tests last seen, and the key part made of them.
        self.environments: weakref.WeakKeyDictionary[
            jinja2.Environment, tuple[dict[str, Any], dict[str, Any], str | None]
        ] = weakref.WeakKeyDictionary()

    def _environment_part(self, env: jinja2.Environment) -> str | None:
        """The environment's share of the key, or None when its code must not be kept."""
        seen = self.environments.get(env)
        if seen is not None and seen[0] == env.filters and seen[1] == env.tests:
            return seen[2]
        part: str | None = None
        if env.finalize is None and not env.is_async and set(env.extensions) <= PURE_EXTENSIONS:
            try:
                stamps = [_source_stamp(type(ext).__module__) for ext in env.extensions.values()]
            except OSError:
                stamps = None
            if stamps is not None and None not in stamps:
                part = repr(
                    (
                        jinja2.__version__,
                        env.code_generator_class,
                        sorted(getattr(env, "intercepted_binops", ())),
                        sorted(getattr(env, "intercepted_unops", ())),
                        _callables(env.filters),
                        _callables(env.tests),
                        sorted(stamps),  # type: ignore[type-var]
                    )
                )
        self.environments[env] = (dict(env.filters), dict(env.tests), part)
        return part

    def bucket(self, env: jinja2.Environment, memory_key: tuple[Any, ...]) -> Bucket | None:
        """The bucket that holds `memory_key`'s code, or None when it must not be kept."""
        filename = memory_key[2]
        if filename is not None and (
            self.files_under is None or not filename.startswith(self.files_under)
        ):
            return None
        part = self._environment_part(env)
        if part is None:
            return None
        try:
            key = hashlib.sha256(repr((memory_key, part)).encode()).hexdigest()
            return Bucket(env, key, self.store.get_source_checksum(memory_key[0]))
        except UnicodeEncodeError:  # a lone surrogate: Jinja will say what is wrong with it
            return None

    def load(self, bucket: Bucket) -> types.CodeType | None:
        """The code in the bucket's file: None when there is none, or it is unusable."""
        try:
            # Jinja drops a file whose header, checksum or code does not match; a file cut
            # short or scribbled over can still make the checksum's unpickling raise anything.
            self.store.load_bytecode(bucket)
        except Exception:
            return None
        return bucket.code if isinstance(bucket.code, types.CodeType) else None

    def save(self, bucket: Bucket, code: types.CodeType) -> None:
        bucket.code = code
        with contextlib.suppress(OSError):  # a read-only or full disk only costs the next run
            self.store.dump_bytecode(bucket)
            self.saved += 1

    def prune(self) -> None:
        """Past `MAX_FILES` files, delete the oldest: a run compiles what it misses anew."""
        if not self.saved:
            return
        with contextlib.suppress(OSError):
            entries = list(os.scandir(self.directory))
            if len(entries) <= MAX_FILES:
                return
            by_age = sorted(entries, key=lambda entry: entry.stat().st_mtime)
            for entry in by_age[: len(entries) - MAX_FILES // 2]:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _keeping(
    original: Compile, kept: dict[tuple[Any, ...], Any], disk: _DiskCache | None = None
) -> Compile:
    """`Environment.compile` that keeps in `kept` (and `disk`) what `original` compiles."""

    def compile(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (source, name, filename, raw, defer_init, *_settings(self, name))
        code = kept.get(key)
        bucket = None if code is not None or disk is None or raw else disk.bucket(self, key)
        if code is None and bucket is not None:
            code = disk.load(bucket)  # type: ignore[union-attr]
        if code is None:
            folds = _Folds.count
            code = original(self, source, name, filename, raw, defer_init)
            if bucket is not None and _Folds.count == folds:
                disk.save(bucket, code)  # type: ignore[union-attr]
        else:
            # Compiling runs the extensions' `preprocess` hooks, and kept code must too:
            # copier's yield extension resets its state there for each string it renders,
            # so that one path's `{% yield %}` does not reach the next path or file.
            self.preprocess(source, name, filename)
        kept[key] = code
        return code

    return compile


def _disk_cache(directory: Path | None, files_under: Path | None) -> _DiskCache | None:
    if directory is None:
        return None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None  # nowhere to keep code: compile as before
    return _DiskCache(directory, files_under)


@contextlib.contextmanager
def compiled_once(
    directory: Path | None = None, *, files_under: Path | None = None
) -> Iterator[None]:
    """Within the block, every Jinja environment compiles each distinct source once.

    With `directory`, code that compiling folded no filter or test into is also kept there
    for later runs, and read from there: the code of strings, and of template files under
    `files_under`.
    """
    original = jinja2.Environment.compile
    original_as_const = nodes._FilterTestCommon.as_const
    disk = _disk_cache(directory, files_under)
    jinja2.Environment.compile = _keeping(original, {}, disk)  # type: ignore[method-assign]
    nodes._FilterTestCommon.as_const = _counting(original_as_const)  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]
        nodes._FilterTestCommon.as_const = original_as_const  # type: ignore[method-assign]
        if disk is not None:
            disk.prune()


def compile_once() -> None:
    """For the rest of this process, every Jinja environment compiles each source once."""
    jinja2.Environment.compile = _keeping(jinja2.Environment.compile, {})  # type: ignore[method-assign]
