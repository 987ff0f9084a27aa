import base64

import yaml
from flask import request


def load_settings():
    raw = base64.b64decode(request.cookies.get("settings", ""))
    return yaml.load(raw, Loader=yaml.Loader)
