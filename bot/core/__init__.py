"""Platform-neutral types and ports. Nothing here does I/O or imports a chat SDK."""
