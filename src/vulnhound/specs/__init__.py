"""Spec inference: models label the APIs the rule data does not know; scans read the labels."""
