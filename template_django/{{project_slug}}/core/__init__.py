"""What every app shares: health check, API error format, pagination."""
