"""Pure functions from text (or bytes) to data. They never raise on malformed input."""
