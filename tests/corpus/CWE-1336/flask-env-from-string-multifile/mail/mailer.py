from jinja2 import Environment

ENV = Environment(autoescape=True)


def render_subject(source, ctx):
    return ENV.from_string(source).render(**ctx)
