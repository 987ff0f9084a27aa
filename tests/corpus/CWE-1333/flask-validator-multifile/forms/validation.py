import re


def matches_rule(rule, value):
    return re.fullmatch(rule, value) is not None
