"""Small helpers shared by the Flask views."""

import hashlib
import os
import pickle
import shlex
import subprocess
import tempfile

import requests
import yaml

PAYMENT_API_KEY = "sk_live_51HcQ2eXAMPLEk3yDoNotUse0000"  # VULN: CWE-798 hard-coded API key
SAFE_API_KEY = os.environ.get("PAYMENT_API_KEY", "")  # SAFE: read from the environment
REPORT_DIR = "/srv/shop/reports"


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()  # VULN: CWE-328 md5 for passwords


def hash_password_safe(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200_000).hex()  # SAFE: password KDF


def cache_key(path):
    return hashlib.md5(path.encode(), usedforsecurity=False).hexdigest()  # SAFE: not a security use


def checksum(data):
    return hashlib.sha256(data).hexdigest()  # SAFE: sha256


def ping_host(host):
    """Called from views.ping with the raw query parameter."""
    return subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True)  # VULN: CWE-78 shell=True


def ping_host_safe(host):
    return subprocess.run(f"ping -c 1 {shlex.quote(host)}", shell=True, capture_output=True)  # SAFE: shlex.quote


def archive_report(name):
    os.system("tar czf /tmp/report.tgz " + name)  # VULN: CWE-78 os.system on request data from views.archive


def load_cart(blob):
    return pickle.loads(blob)  # VULN: CWE-502 pickle of the request body from views.restore_cart


def load_settings(text):
    return yaml.load(text, Loader=yaml.Loader)  # VULN: CWE-502 yaml.load with an unsafe loader


def load_settings_safe(text):
    return yaml.safe_load(text)  # SAFE: safe_load


def load_settings_explicit(text):
    return yaml.load(text, Loader=yaml.SafeLoader)  # SAFE: SafeLoader


def notify_payment(order_id):
    url = "https://payments.example.com/notify"
    return requests.post(url, json={"order": order_id}, verify=False, timeout=5)  # VULN: CWE-295 verify=False


def notify_payment_safe(order_id):
    url = "https://payments.example.com/notify"
    return requests.post(url, json={"order": order_id}, timeout=5)  # SAFE: verification on


def report_path():
    return tempfile.mktemp(suffix=".csv", dir=REPORT_DIR)  # VULN: CWE-377 mktemp race


def report_file():
    return tempfile.NamedTemporaryFile(suffix=".csv", dir=REPORT_DIR, delete=False)  # SAFE: NamedTemporaryFile
