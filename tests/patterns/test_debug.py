"""py/debug-enabled (CWE-489): debug servers, debug app objects, debug settings."""

from __future__ import annotations

import pytest
from tests.patterns.helpers import hits, rule_ids

RULE = "py/debug-enabled"


@pytest.mark.parametrize(
    "code",
    [
        "app.run(debug=True)\n",
        "from werkzeug.serving import run_simple\nrun_simple('0.0.0.0', 5000, app, use_debugger=True)\n",
        "import werkzeug.serving\nwerkzeug.serving.run_simple('h', 1, app, use_reloader=True, use_debugger=True)\n",
        "from fastapi import FastAPI\napp = FastAPI(title='x', debug=True)\n",
        "from starlette.applications import Starlette\napp = Starlette(debug=True, routes=[])\n",
        "app.debug = True\n",
        "app.config['DEBUG'] = True\n",
        "def create_app():\n    app = Flask(__name__)\n    app.config['DEBUG'] = True\n    return app\n",
        "app.config.update(DEBUG=True)\n",
        "DEBUG_MODE = True\napp.run(debug=DEBUG_MODE)\n",  # a module constant
    ],
)
def test_debug_on_is_reported(code: str) -> None:
    assert RULE in rule_ids(code)


@pytest.mark.parametrize(
    "code",
    [
        "app.run()\n",
        "app.run(debug=False)\n",
        "import os\napp.run(debug=os.environ.get('FLASK_DEBUG') == '1')\n",
        "from fastapi import FastAPI\napp = FastAPI(debug=False)\n",
        "from werkzeug.serving import run_simple\nrun_simple('h', 1, app, use_reloader=True)\n",
        "app.debug = False\n",
        "self.debug = True\n",  # any object's debug attribute is not a web app's
        "DEBUG = True\n",  # not a settings module
        "ENV = 'production'\nif ENV == 'development':\n    app.run(debug=True)\n",  # dead by constant compare
    ],
)
def test_debug_off_or_unknown_is_not_reported(code: str) -> None:
    assert RULE not in rule_ids(code)


@pytest.mark.parametrize(
    "path", ["mysite/settings.py", "settings.py", "mysite/settings/production.py", "conf/prod_settings.py"]
)
def test_django_debug_in_settings_module(path: str) -> None:
    assert hits("import os\nDEBUG = True\nALLOWED_HOSTS = ['*']\n", path) == [(RULE, 2)]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("mysite/settings/dev.py", "DEBUG = True\n"),  # meant for development
        ("mysite/local_settings.py", "DEBUG = True\n"),
        ("mysite/settings/test.py", "DEBUG = True\n"),
        ("mysite/views.py", "DEBUG = True\n"),
        ("mysite/settings.py", "DEBUG = False\n"),
        ("mysite/settings.py", "import os\nDEBUG = os.environ.get('DJANGO_DEBUG') == '1'\n"),
        ("mysite/settings.py", "import os\nif os.environ.get('DEV'):\n    DEBUG = True\n"),  # conditional
        ("mysite/settings.py", "def configure():\n    DEBUG = True\n"),  # not module level
        ("mysite/settings.py", "class Dev:\n    DEBUG = True\n"),
    ],
)
def test_django_debug_not_reported(path: str, code: str) -> None:
    assert hits(code, path) == []


def test_constant_true_branch_keeps_module_level() -> None:
    assert hits("if True:\n    DEBUG = True\n", "settings.py") == [(RULE, 2)]


def test_assignment_message_names_the_target() -> None:
    from tests.patterns.helpers import analyze

    [finding] = analyze("app.config['DEBUG'] = True\n")
    assert "assignment to app.config[DEBUG]" in finding.message
