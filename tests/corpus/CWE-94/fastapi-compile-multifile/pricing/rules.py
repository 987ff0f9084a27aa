def apply_rule(formula, base):
    code = compile("price = " + formula, "<rule>", "exec")
    env = {"base": base}
    exec(code, env)
    return env["price"]
