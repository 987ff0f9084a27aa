import yaml
from flask import request


def load_settings_safely():
    raw = request.get_data()
    return yaml.safe_load(raw)
