"""The model layer: providers behind one interface, a router, and the model analyses.

Nothing here is imported by a plain offline scan except the deterministic
``ai-directives`` analyzer; the rest is constructed only when ``--model`` is given.
"""
