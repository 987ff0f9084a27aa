"""Rule metadata: what each rule id means, loaded from data files shipped with the package."""

from vulnhound.rules.catalog import RuleCatalog, RuleInfo, load_rule_file

__all__ = ["RuleCatalog", "RuleInfo", "load_rule_file"]
