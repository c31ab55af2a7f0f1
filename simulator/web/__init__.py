"""The HTTP shell: aiohttp handlers that translate requests to core calls and back."""
