"""Django-style views. Request data arrives through request.GET / request.POST / request.body."""

import hashlib
import html
import os
import subprocess

import yaml
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

RECEIPT_DIR = "/srv/shop/receipts"


def invoice_search(request):
    customer = request.GET["customer"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM invoices WHERE customer = '" + customer + "'")  # VULN: CWE-89 concatenation
        return HttpResponse(str(cursor.fetchall()))


def invoice_search_safe(request):
    customer = request.GET["customer"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM invoices WHERE customer = %s", [customer])  # SAFE: parameterised
        return HttpResponse(str(cursor.fetchall()))


def export_invoices(request):
    month = request.GET.get("month", "")
    os.system("pg_dump shop --table=invoices_" + month)  # VULN: CWE-78 os.system on request data
    return HttpResponse("exported")


def export_invoices_safe(request):
    month = int(request.GET.get("month", "1"))
    subprocess.run(["pg_dump", "shop", f"--table=invoices_{month:02d}"], check=True)  # SAFE: argv list, int()
    return HttpResponse("exported")


def greet(request):
    name = request.GET.get("name", "")
    return HttpResponse(f"<p>Welcome back, {name}!</p>")  # VULN: CWE-79 reflected XSS


def greet_safe(request):
    name = request.GET.get("name", "")
    return HttpResponse(f"<p>Welcome back, {html.escape(name)}!</p>")  # SAFE: html.escape


def continue_to(request):
    return HttpResponseRedirect(request.GET["next"])  # VULN: CWE-601 open redirect


def continue_to_safe(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={"shop.example.com"}):  # SAFE: allowlist
        target = "/"
    return HttpResponseRedirect(target)


def import_config(request):
    data = yaml.load(request.body)  # VULN: CWE-502 yaml.load without SafeLoader
    return HttpResponse(str(len(data)))


def import_config_safe(request):
    data = yaml.safe_load(request.body)  # SAFE: safe_load
    return HttpResponse(str(len(data)))


def receipt(request):
    path = os.path.join(RECEIPT_DIR, request.GET["name"])
    with open(path) as handle:  # VULN: CWE-22 path traversal
        return HttpResponse(handle.read())


def receipt_safe(request):
    name = os.path.basename(request.GET["name"])
    if not name.endswith(".txt"):
        return HttpResponse(status=400)
    with open(os.path.join(RECEIPT_DIR, name)) as handle:  # SAFE: basename + fixed dir
        return HttpResponse(handle.read())


def audit_token(user_id):
    return hashlib.sha1(str(user_id).encode()).hexdigest()  # VULN: CWE-328 sha1 for a security token
