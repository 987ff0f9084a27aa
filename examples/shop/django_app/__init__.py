"""The Django-style half of the shop example (deliberately vulnerable: do not deploy)."""
