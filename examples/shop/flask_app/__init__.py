"""The Flask half of the shop example (deliberately vulnerable: do not deploy)."""
