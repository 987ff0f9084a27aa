"""The egress guard: the only door from vulnhound to the network."""
