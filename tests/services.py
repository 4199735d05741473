"""The real servers the tests use live in the generator package, which `verify` shares."""

from generator.services import (
    create_database,
    free_port,
    postgres_server,
    redis_server,
    wait_for_port,
)

__all__ = ["create_database", "free_port", "postgres_server", "redis_server", "wait_for_port"]
