"""Sub-commands of `media77-sim`, one module each."""
