"""Precision on framework-style code: views only where the code makes them views, guards and
sanitizers in the forms real code uses them, names resolved inside a scanned package."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import scan_files


def _rules(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    result = scan_files(tmp_path, files)
    return sorted((f.rule_id, f.location.path, f.location.start_line) for f in result.findings)


def test_request_parameter_alone_does_not_make_a_view(tmp_path: Path) -> None:
    middleware = (
        "class Headers:\n"
        "    def process_response(self, request, response):\n"
        "        response.headers['X-Seen'] = response.token\n"
        "        return response\n"
    )
    views = (
        "import os\nfrom django.http import HttpResponse\n"
        "def helper(request, name):\n    os.system(name)\n"
        "def page(request, slug):\n    helper(request, 'fixed')\n    return HttpResponse('ok')\n"
        "def run(request, slug):\n    os.system(slug)\n"
    )
    found = _rules(tmp_path, {"app/middleware.py": middleware, "app/views.py": views})
    # `run` is an uncalled views-module function: a view; `helper` is called with a constant
    assert found == [("py/command-injection", "app/views.py", 9)]


def test_url_registration_and_decorators_make_views(tmp_path: Path) -> None:
    code = (
        "import os\nfrom django.urls import path\n"
        "from django.views.decorators.http import require_POST\n"
        "def shell(request, cmd):\n    os.system(cmd)\n"
        "@require_POST\ndef other(request, cmd):\n    os.system(cmd)\n"
        "def not_a_view(request, cmd):\n    os.system(cmd)\n"
        "urlpatterns = [path('run/<cmd>', shell)]\n"
    )
    found = _rules(tmp_path, {"site/urls.py": code})
    assert [line for _, _, line in found] == [5, 8]


def test_guard_by_keyword_and_negated_conjunction(tmp_path: Path) -> None:
    code = (
        "from django.http import HttpResponseRedirect\n"
        "from django.utils.http import url_has_allowed_host_and_scheme\n"
        "def go(request):\n"
        "    nxt = request.GET.get('next')\n"
        "    if (nxt or request.accepts('text/html')) and not url_has_allowed_host_and_scheme(\n"
        "        url=nxt, allowed_hosts={request.get_host()}\n"
        "    ):\n"
        "        nxt = '/'\n"
        "    return HttpResponseRedirect(nxt)\n"
        "def bad(request):\n"
        "    return HttpResponseRedirect(request.GET.get('next'))\n"
    )
    found = _rules(tmp_path, {"app/views.py": code})
    assert found == [("py/open-redirect", "app/views.py", 11)]


def test_urlencode_orm_lookup_and_map_sanitizer(tmp_path: Path) -> None:
    code = (
        "from urllib.parse import urlencode\n"
        "from django.http import HttpResponse, HttpResponseRedirect\n"
        "from django.shortcuts import get_object_or_404\n"
        "from django.utils.html import escape\n"
        "from django.utils.safestring import mark_safe\n"
        "from .models import Page\n"
        "def a(request):\n"
        "    return HttpResponseRedirect('/list?' + urlencode({'q': request.GET['q']}))\n"
        "def b(request):\n"
        "    page = get_object_or_404(Page, slug=request.GET['slug'])\n"
        "    return HttpResponse(page.body)\n"
        "def c(request):\n"
        "    parts = map(escape, request.GET.getlist('p'))\n"
        "    return HttpResponse(mark_safe(''.join(parts)))\n"
        "def d(request):\n"
        "    return HttpResponse(mark_safe(''.join(request.GET.getlist('p'))))\n"
    )
    found = _rules(tmp_path, {"app/views.py": code, "app/models.py": "class Page:\n    pass\n"})
    assert {line for _, _, line in found} == {16}


def test_variable_named_like_a_module_is_not_that_module(tmp_path: Path) -> None:
    code = (
        "import re\n"
        "PATTERNS = [re.compile('a+'), re.compile('b+')]\n"
        "def view(request):\n"
        "    for regex in PATTERNS:\n"
        "        regex.match(request.GET['v'])\n"
        "    return re.match(request.GET['p'], 'x')\n"
    )
    found = _rules(tmp_path, {"app/views.py": code})
    assert found == [("py/regex-injection", "app/views.py", 6)]


def test_scanning_a_package_root_resolves_its_own_absolute_imports(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "utils.py": "import os\ndef run(cmd):\n    os.system(cmd)\n",
        "views.py": "from mypkg.utils import run\ndef go(request):\n    run(request.GET['c'])\n",
    }
    result = scan_files(tmp_path / "mypkg", files)
    assert [(f.location.path, f.location.start_line) for f in result.findings] == [("utils.py", 3)]
