"""Request handlers. Several pass request data into helpers in db.py and utils.py."""

import html
import os
from urllib.parse import urlparse

from flask import Blueprint, abort, redirect, request, send_from_directory
from werkzeug.utils import secure_filename

from . import db, utils

bp = Blueprint("shop", __name__)
UPLOAD_DIR = "/srv/shop/uploads"
ALLOWED_REDIRECT_HOSTS = {"shop.example.com", "help.example.com"}


@bp.route("/search")
def search():
    term = request.args.get("q", "")
    return {"results": db.find_products(term)}  # source for the SQL injection in db.find_products


@bp.route("/search-safe")
def search_safe():
    return {"results": db.find_products_safe(request.args.get("q", ""))}


@bp.route("/order/<order_id>")
def order(order_id):
    return {"order": db.get_order(order_id)}  # source for the SQL injection in db.get_order


@bp.route("/order-safe/<order_id>")
def order_safe(order_id):
    return {"order": db.get_order_safe(order_id)}


@bp.route("/ping")
def ping():
    result = utils.ping_host(request.args["host"])  # source for the command injection in utils.ping_host
    return result.stdout


@bp.route("/ping-safe")
def ping_safe():
    return utils.ping_host_safe(request.args["host"]).stdout


@bp.route("/archive", methods=["POST"])
def archive():
    utils.archive_report(request.form["name"])  # source for the command injection in utils.archive_report
    return "ok"


@bp.route("/cart/restore", methods=["POST"])
def restore_cart():
    cart = utils.load_cart(request.get_data())  # source for the deserialisation in utils.load_cart
    return {"items": len(cart)}


@bp.route("/download")
def download():
    name = request.args["file"]
    with open(os.path.join(UPLOAD_DIR, name), "rb") as handle:  # VULN: CWE-22 path traversal
        return handle.read()


@bp.route("/download-safe")
def download_safe():
    name = secure_filename(request.args["file"])  # SAFE: secure_filename + fixed directory
    return send_from_directory(UPLOAD_DIR, name)


@bp.route("/login")
def login_redirect():
    target = request.args.get("next", "/")
    return redirect(target)  # VULN: CWE-601 open redirect


@bp.route("/login-safe")
def login_redirect_safe():
    target = request.args.get("next", "/")
    if urlparse(target).netloc not in ALLOWED_REDIRECT_HOSTS:  # SAFE: allowlist check
        abort(400)
    return redirect(target)


@bp.route("/hello")
def hello():
    name = request.args.get("name", "")
    return f"<h1>Hello {name}</h1>"  # VULN: CWE-79 reflected XSS


@bp.route("/hello-safe")
def hello_safe():
    name = request.args.get("name", "")
    return f"<h1>Hello {html.escape(name)}</h1>"  # SAFE: html.escape
