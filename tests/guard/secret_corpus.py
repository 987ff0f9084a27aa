"""Attack cases for the secret detector: secrets planted the way repositories hold them.

Each :class:`SecretCase` is a file (its ``path`` decides the language the scanner reads it
as) and the exact substrings that must never reach a model. The kinds (cloud and SaaS key
shapes, passwords, connection strings, private keys) are crossed with placements: code in
several languages, configuration files, comments, docstrings, URLs, headers, arguments,
tuples and concatenations.

Every value is generated here from a seeded random source: random-looking, never a real
key, never a documentation example, and the same on every run. Nothing key-shaped is
written literally in this file, so it does not trip secret scanners itself.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretCase:
    """A planted file: ``secrets`` are the exact substrings that must not survive redaction."""

    id: str
    path: str
    text: str
    secrets: tuple[str, ...]


_LOWER = string.ascii_lowercase
_UPPER = string.ascii_uppercase
_DIGITS = string.digits
_ALNUM = _LOWER + _UPPER + _DIGITS
_HEX = "0123456789abcdef"
_B64 = _ALNUM + "+/"
_URLSAFE = _ALNUM + "-_"
_SYMBOLS = "!-_.~"


class _Gen:
    """Values for one case, from a random source seeded by the case id."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)

    def chars(self, n: int, alphabet: str, need: tuple[str, ...] = ()) -> str:
        """``n`` characters of ``alphabet``, holding at least one of each ``need`` alphabet."""
        while True:
            value = "".join(self._rng.choice(alphabet) for _ in range(n))
            if all(any(c in group for c in value) for group in need):
                return value

    def mixed(self, n: int) -> str:
        return self.chars(n, _ALNUM, (_LOWER, _UPPER, _DIGITS))

    def hex(self, n: int) -> str:
        return self.chars(n, _HEX, ("abcdef", _DIGITS))

    def password(self, n: int = 12) -> str:
        """Letters, digits and a symbol, starting and ending with a letter or digit."""
        middle = self.chars(n - 2, _ALNUM + _SYMBOLS, (_LOWER, _DIGITS, _SYMBOLS))
        return self.chars(1, _ALNUM) + middle + self.chars(1, _ALNUM)

    def word(self) -> str:
        """A plain lower-case word-like password (no digits), as people pick them."""
        syllables = ["ka", "mo", "ri", "zen", "tu", "lar", "vin", "so", "bel", "dra", "qui", "nor"]
        return "".join(self._rng.choice(syllables) for _ in range(4))

    def base64(self, n_bytes: int) -> str:
        return base64.b64encode(self._rng.randbytes(n_bytes)).decode()

    def pem_body(self, n_bytes: int = 360) -> str:
        encoded = self.base64(n_bytes)
        return "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _cases() -> list[SecretCase]:
    cases: list[SecretCase] = []

    def add(case_id: str, path: str, text: str, *secrets: str) -> None:
        assert secrets and all(s in text for s in secrets), case_id
        cases.append(SecretCase(case_id, path, text, tuple(secrets)))

    # -- Python -----------------------------------------------------------------------
    g = _Gen("py-aws")
    key_id, aws_secret = (
        "AKIA" + g.chars(16, _UPPER + _DIGITS, (_DIGITS,)),
        g.chars(40, _B64, (_LOWER, _UPPER)),
    )
    add(
        "py-aws-keys",
        "app/settings.py",
        f'AWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET_ACCESS_KEY = "{aws_secret}"\nREGION = "eu-west-1"\n',
        key_id,
        aws_secret,
    )
    g = _Gen("py-auth-tuple")
    pw = g.password()
    add(
        "py-requests-auth-tuple",
        "jobs/sync.py",
        f'import requests\n\nresp = requests.get(URL, auth=("deploy", "{pw}"), timeout=10)\n',
        pw,
    )
    g = _Gen("py-basic-auth")
    pw = g.password()
    add(
        "py-httpbasicauth",
        "jobs/report.py",
        f'from requests.auth import HTTPBasicAuth\n\nAUTH = HTTPBasicAuth("reporter", "{pw}")\n',
        pw,
    )
    g = _Gen("py-ftp-login")
    pw = g.password()
    add(
        "py-ftp-login",
        "jobs/ftp_upload.py",
        f'ftp = FTP("files.internal")\nftp.login("uploader", "{pw}")\n',
        pw,
    )
    g = _Gen("py-smtp-login")
    pw = g.password(16)
    add(
        "py-smtp-login-variable-user",
        "notify/mail.py",
        f'with smtplib.SMTP_SSL("smtp.internal", 465) as server:\n    server.login(sender, "{pw}")\n',
        pw,
    )
    g = _Gen("py-comment")
    pw = g.chars(1, _UPPER) + g.word()[:6] + g.chars(4, _DIGITS) + "!"
    add(
        "py-comment-password-prose",
        "admin/bootstrap.py",
        f"def bootstrap():\n    # admin password is {pw}\n    create_admin()\n",
        pw,
    )
    # Plain dictionary words as passwords, written as prose: no digit or symbol to go by.
    add(
        "py-comment-plain-word-password",
        "tools/reset.py",
        "# TODO remove before release: the root password = letmein\nRESET = True\n",
        "letmein",
    )
    add(
        "py-docstring-plain-word-password",
        "tools/login.py",
        'def login(client):\n    """Log in as admin with password: swordfish."""\n    return client\n',
        "swordfish",
    )
    add(
        "js-string-plain-word-password",
        "web/help.js",
        'const HELP = "Use the demo account; its password is opensesame for now.";\n',
        "opensesame",
    )
    g = _Gen("py-docstring")
    pw = g.chars(1, _LOWER) + g.chars(1, _DIGITS) + g.chars(4, _LOWER) + "-" + g.chars(2, _LOWER)
    add(
        "py-docstring-password-prose",
        "client/session.py",
        f'def connect():\n    """Log in with password: {pw}"""\n    return Session()\n',
        pw,
    )
    g = _Gen("py-concat-plus")
    head, tail = "ghp_" + g.mixed(10), g.mixed(26)
    add(
        "py-token-split-by-plus",
        "ci/release.py",
        f'GITHUB_TOKEN = "{head}" + "{tail}"\n',
        head,
        tail,
    )
    g = _Gen("py-concat-implicit")
    head, tail = "glpat-" + g.mixed(8), g.mixed(12)
    add(
        "py-token-implicit-concatenation-in-parentheses",
        "ci/gitlab.py",
        f'GITLAB_TOKEN = (\n    "{head}"\n    "{tail}"\n)\n',
        head,
        tail,
    )
    g = _Gen("py-concat-backslash")
    head, tail = g.mixed(14), g.mixed(18)
    add(
        "py-secret-split-by-backslash-newline",
        "app/keys.py",
        f'API_KEY = "{head}" \\\n    "{tail}"\n',
        head,
        tail,
    )
    g = _Gen("py-newrelic")
    hex_token = g.hex(40)
    add("py-hex-license", "app/monitoring.py", f'NEWRELIC_LICENSE = "{hex_token}"\n', hex_token)
    g = _Gen("py-hex-client")
    hex_token = g.hex(32)
    add(
        "py-hex-token-to-constructor",
        "app/metrics.py",
        f'client = MetricsClient("{hex_token}", region="eu")\n',
        hex_token,
    )
    g = _Gen("py-hex-header")
    hex_token = g.hex(32)
    add(
        "py-hex-token-in-header",
        "app/partner.py",
        f'HEADERS = {{"X-Api-Key": "{hex_token}", "Accept": "application/json"}}\n',
        hex_token,
    )
    g = _Gen("py-openai")
    token = "sk-proj-" + g.chars(64, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add("py-openai-project-key", "ai/client.py", f'client = OpenAI(api_key="{token}")\n', token)
    g = _Gen("py-openai-legacy")
    token = "sk-" + g.mixed(20) + "T3BlbkFJ" + g.mixed(20)
    add("py-openai-legacy-key", "ai/legacy.py", f'openai.api_key = "{token}"\n', token)
    g = _Gen("py-anthropic")
    token = "sk-ant-api03-" + g.chars(93, _URLSAFE, (_LOWER, _UPPER, _DIGITS)) + "AA"
    add(
        "py-anthropic-key",
        "ai/claude.py",
        f"client = anthropic.Anthropic(\n    api_key='{token}',\n)\n",
        token,
    )
    g = _Gen("py-hf")
    token = "hf_" + g.chars(34, _LOWER + _UPPER, (_LOWER, _UPPER))
    add(
        "py-huggingface-token-argument",
        "ml/download.py",
        f'path = hf_hub_download("org/model", "weights.bin", token="{token}")\n',
        token,
    )
    g = _Gen("py-dsn")
    pw = g.password()
    add(
        "py-database-url",
        "app/config.py",
        f'SQLALCHEMY_DATABASE_URI = "postgresql://app:{pw}@db.internal:5432/app"\n',
        pw,
    )
    g = _Gen("py-stripe")
    token = "sk_live_" + g.mixed(24)
    add("py-stripe-key", "billing/stripe_setup.py", f"import stripe\nstripe.api_key = '{token}'\n", token)
    g = _Gen("py-sendgrid")
    token = "SG." + g.chars(22, _URLSAFE, (_LOWER, _UPPER)) + "." + g.chars(43, _URLSAFE, (_LOWER, _UPPER))
    add("py-sendgrid-key", "notify/email.py", f'sg = SendGridAPIClient("{token}")\n', token)
    g = _Gen("py-slack-webhook")
    hook = f"T{g.chars(8, _UPPER + _DIGITS)}/B{g.chars(8, _UPPER + _DIGITS)}/{g.mixed(24)}"
    add(
        "py-slack-webhook",
        "notify/slack.py",
        f'requests.post("https://hooks.slack.com/services/{hook}", json=msg)\n',
        hook,
    )
    g = _Gen("py-twilio")
    sid, auth_token = "AC" + g.hex(32), g.hex(32)
    add(
        "py-twilio-sid-and-token",
        "notify/sms.py",
        f'client = Client("{sid}", "{auth_token}")\n',
        sid,
        auth_token,
    )
    g = _Gen("py-twilio-sk")
    key_sid, key_secret = "SK" + g.hex(32), g.mixed(32)
    add(
        "py-twilio-api-key",
        "notify/sms_keys.py",
        f'TWILIO_API_KEY = "{key_sid}"\nTWILIO_API_SECRET = "{key_secret}"\n',
        key_sid,
        key_secret,
    )
    g = _Gen("py-mailgun")
    token = "key-" + g.hex(32)
    add(
        "py-mailgun-key-in-auth-tuple",
        "notify/mailgun.py",
        f'requests.post(MAILGUN_URL, auth=("api", "{token}"), data=payload)\n',
        token,
    )
    g = _Gen("py-pem")
    body = g.pem_body()
    add(
        "py-pem-in-string",
        "app/signing.py",
        f'PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"""\n',
        body,
    )
    g = _Gen("py-kwargs")
    pw = g.password()
    add(
        "py-keyword-arguments",
        "app/db.py",
        f'conn = psycopg2.connect(host="db", user="app", password="{pw}", dbname="app")\n',
        pw,
    )
    g = _Gen("py-getenv-default")
    pw = g.password()
    add(
        "py-getenv-default",
        "app/env.py",
        f'DB_PASSWORD = os.getenv("DB_PASSWORD", "{pw}")\n',
        pw,
    )
    g = _Gen("py-netrc-string")
    pw = g.password()
    add(
        "py-netrc-in-string",
        "ci/netrc_setup.py",
        f'NETRC = "machine api.internal login bot password {pw}"\nPath("~/.netrc").write_text(NETRC)\n',
        pw,
    )
    g = _Gen("py-datadog")
    api_key, app_key = g.hex(32), g.hex(40)
    add(
        "py-datadog-keys",
        "app/telemetry.py",
        f'initialize(api_key="{api_key}", app_key="{app_key}")\n',
        api_key,
        app_key,
    )
    g = _Gen("py-jwt")
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(b'{"sub":"svc-' + g.hex(8).encode() + b'"}').decode().rstrip("=")
    jwt = f"{header}.{claims}.{g.chars(43, _URLSAFE, (_LOWER, _UPPER))}"
    add(
        "py-jwt-in-bearer-header",
        "tests/test_api.py",
        f'HEADERS = {{"Authorization": "Bearer {jwt}"}}\n',
        jwt,
    )
    g = _Gen("py-tuple-credentials")
    pw = g.password()
    add(
        "py-credentials-tuple",
        "app/admin.py",
        f'ADMIN_CREDENTIALS = ("root", "{pw}")\n',
        pw,
    )

    # -- JavaScript / TypeScript ------------------------------------------------------
    g = _Gen("js-firebase")
    token = "AIza" + g.chars(35, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add(
        "js-firebase-config",
        "web/src/firebase.js",
        f'const firebaseConfig = {{\n  apiKey: "{token}",\n  authDomain: "shop.firebaseapp.com",\n}};\n',
        token,
    )
    g = _Gen("js-fetch-header")
    bearer, hex_token = g.mixed(40), g.hex(32)
    add(
        "js-fetch-headers",
        "web/src/api.js",
        "fetch(url, {\n  headers: {\n"
        f'    "Authorization": "Bearer {bearer}",\n    "x-api-key": "{hex_token}",\n  }},\n}});\n',
        bearer,
        hex_token,
    )
    g = _Gen("js-concat")
    head, tail = "glpat-" + g.mixed(6), g.mixed(14)
    add(
        "js-token-split-across-lines",
        "web/src/gitlab.js",
        f'const token = "{head}" +\n  "{tail}";\n',
        head,
        tail,
    )
    g = _Gen("ts-field")
    secret = g.mixed(28)
    add(
        "ts-class-field",
        "web/src/auth.ts",
        f'export class Auth {{\n  private readonly secret: string = "{secret}";\n}}\n',
        secret,
    )
    g = _Gen("js-npm")
    token = "npm_" + g.mixed(36)
    add("js-npm-token", "scripts/publish.js", f"const NPM_TOKEN = '{token}';\n", token)
    g = _Gen("ts-openai")
    token = "sk-proj-" + g.chars(48, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add("ts-openai-client", "web/src/ai.ts", f'const ai = new OpenAI({{ apiKey: "{token}" }});\n', token)
    g = _Gen("js-mongo")
    pw = g.password()
    add(
        "js-mongodb-uri",
        "server/db.js",
        f'mongoose.connect("mongodb+srv://admin:{pw}@cluster0.x1y2z.mongodb.net/shop");\n',
        pw,
    )
    g = _Gen("js-basic")
    basic = base64.b64encode(f"ops:{g.password()}".encode()).decode()
    add(
        "js-basic-auth-header",
        "server/proxy.js",
        f"const headers = {{ Authorization: 'Basic {basic}' }};\n",
        basic,
    )
    g = _Gen("js-env-fallback")
    secret = g.mixed(32)
    add(
        "js-env-fallback",
        "server/session.js",
        f'const sessionSecret = process.env.SESSION_SECRET || "{secret}";\n',
        secret,
    )
    g = _Gen("js-slack")
    token = f"xoxb-{g.chars(12, _DIGITS)}-{g.chars(13, _DIGITS)}-{g.mixed(24)}"
    add("js-slack-bot-token", "bots/slack.js", f"const app = new App({{ token: '{token}' }});\n", token)

    # -- Java, Go, PHP, Ruby, C#, PowerShell ------------------------------------------
    g = _Gen("java-jdbc-query")
    pw = g.password()
    add(
        "java-jdbc-query-password",
        "src/main/java/app/Db.java",
        f'Connection c = DriverManager.getConnection("jdbc:mysql://db:3306/app?user=app&password={pw}");\n',
        pw,
    )
    g = _Gen("java-jdbc-semicolon")
    pw = g.password()
    add(
        "java-jdbc-semicolon-password",
        "src/main/java/app/Mssql.java",
        f'String url = "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={pw};encrypt=true";\n',
        pw,
    )
    g = _Gen("java-getconnection")
    pw = g.password()
    add(
        "java-getconnection-arguments",
        "src/main/java/app/Repo.java",
        f'Connection c = DriverManager.getConnection(url, "app", "{pw}");\n',
        pw,
    )
    g = _Gen("java-oracle")
    pw = g.password()
    add(
        "java-oracle-thin-url",
        "src/main/java/app/Ora.java",
        f'String url = "jdbc:oracle:thin:app/{pw}@db.internal:1521:ORCL";\n',
        pw,
    )
    g = _Gen("java-field")
    token = g.mixed(32)
    add(
        "java-static-field",
        "src/main/java/app/Keys.java",
        f'public class Keys {{\n    private static final String API_TOKEN = "{token}";\n}}\n',
        token,
    )
    g = _Gen("java-concat")
    head, tail = g.mixed(10), g.mixed(22)
    add(
        "java-secret-concatenation",
        "src/main/java/app/Signer.java",
        f'String secret = "{head}"\n    + "{tail}";\n',
        head,
        tail,
    )
    g = _Gen("java-aws-credentials")
    key_id, aws_secret = (
        "AKIA" + g.chars(16, _UPPER + _DIGITS, (_DIGITS,)),
        g.chars(40, _B64, (_LOWER, _UPPER)),
    )
    add(
        "java-aws-basic-credentials",
        "src/main/java/app/S3.java",
        f'AWSCredentials creds = new BasicAWSCredentials("{key_id}", "{aws_secret}");\n',
        key_id,
        aws_secret,
    )
    g = _Gen("go-const")
    token = g.mixed(30)
    add("go-const-token", "cmd/server/main.go", f'package main\n\nconst apiToken = "{token}"\n', token)
    g = _Gen("go-struct")
    pw = g.password()
    add(
        "go-struct-literal",
        "internal/db/db.go",
        f'cfg := mysql.Config{{\n\tUser:   "app",\n\tPasswd: "{pw}",\n\tNet:    "tcp",\n}}\n',
        pw,
    )
    g = _Gen("go-dsn")
    pw = g.password()
    add(
        "go-mysql-dsn",
        "internal/db/open.go",
        f'db, err := sql.Open("mysql", "app:{pw}@tcp(db:3306)/shop")\n',
        pw,
    )
    g = _Gen("go-basic-auth")
    pw = g.password()
    add("go-set-basic-auth", "internal/client/http.go", f'req.SetBasicAuth("admin", "{pw}")\n', pw)
    g = _Gen("go-concat")
    head, tail = f"xoxp-{g.chars(11, _DIGITS)}-", f"{g.chars(12, _DIGITS)}-{g.mixed(24)}"
    add("go-token-concatenation", "internal/slack/slack.go", f'var token = "{head}" + "{tail}"\n', head, tail)
    g = _Gen("php-define")
    pw = g.password()
    add("php-define", "wp-config.php", f"<?php\ndefine('DB_PASSWORD', '{pw}');\n", pw)
    g = _Gen("php-concat")
    head, tail = "ghp_" + g.mixed(8), g.mixed(28)
    add(
        "php-token-dot-concatenation", "lib/github.php", f"<?php\n$token = '{head}' . '{tail}';\n", head, tail
    )
    g = _Gen("php-mysqli")
    pw = g.password()
    add(
        "php-mysqli-arguments",
        "lib/db.php",
        f'<?php\n$db = new mysqli("localhost", "shop", "{pw}", "shop");\n',
        pw,
    )
    g = _Gen("php-array")
    pw = g.password()
    add(
        "php-config-array",
        "config/database.php",
        f"<?php\nreturn [\n    'username' => 'shop',\n    'password' => '{pw}',\n];\n",
        pw,
    )
    g = _Gen("rb-heroku")
    key = g.uuid()
    add("rb-heroku-api-key", "lib/deploy.rb", f"HEROKU_API_KEY = '{key}'\n", key)
    g = _Gen("rb-hash")
    pw = g.password()
    add(
        "rb-symbol-hash",
        "config/initializers/smtp.rb",
        f"ActionMailer::Base.smtp_settings = {{ :user_name => 'mailer', :password => '{pw}' }}\n",
        pw,
    )
    g = _Gen("rb-heroku-new")
    token = "HRKU-" + g.chars(60, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add("rb-heroku-token", "lib/heroku.rb", f'client = PlatformAPI.connect_oauth("{token}")\n', token)
    g = _Gen("cs-connection-string")
    pw = g.password()
    add(
        "cs-connection-string",
        "Data/Db.cs",
        f'var conn = "Server=db;Database=shop;User Id=sa;Password={pw};TrustServerCertificate=True";\n',
        pw,
    )
    g = _Gen("ps-securestring")
    pw = g.password()
    add(
        "ps-convertto-securestring",
        "deploy/setup.ps1",
        f'$pw = ConvertTo-SecureString "{pw}" -AsPlainText -Force\n',
        pw,
    )

    # -- Shell ------------------------------------------------------------------------
    g = _Gen("sh-curl-user")
    pw = g.password()
    add(
        "sh-curl-user",
        "scripts/backup.sh",
        f"#!/bin/sh\ncurl -sf -u admin:{pw} https://backup.internal/api/run\n",
        pw,
    )
    g = _Gen("sh-curl-header")
    hex_token = g.hex(32)
    add(
        "sh-curl-api-key-header",
        "scripts/report.sh",
        f'curl -H "X-Api-Key: {hex_token}" \\\n  https://api.partner.example/report\n',
        hex_token,
    )
    g = _Gen("sh-mysql")
    pw = g.password()
    add("sh-mysql-p", "scripts/dump.sh", f"mysqldump -u root -p{pw} shop > shop.sql\n", pw)
    g = _Gen("sh-export")
    hex_token = g.hex(32)
    add("sh-export-datadog", "scripts/env.sh", f"export DATADOG_API_KEY={hex_token}\n", hex_token)
    g = _Gen("sh-sshpass")
    pw = g.password()
    add("sh-sshpass", "scripts/deploy.sh", f"sshpass -p '{pw}' ssh deploy@web1 ./restart\n", pw)
    g = _Gen("sh-git-clone")
    pw = g.password()
    add("sh-git-clone-url", "scripts/fetch.sh", f"git clone https://builder:{pw}@git.internal/shop.git\n", pw)
    g = _Gen("sh-cli-flag")
    token = g.mixed(24)
    add("sh-cli-token-flag", "scripts/upload.sh", f"uploader push --token {token} dist/*.whl\n", token)

    # -- Configuration files ----------------------------------------------------------
    g = _Gen("yaml-nested")
    pw = g.password()
    add("yaml-nested-password", "config/app.yaml", f"database:\n  user: app\n  password: {pw}\n", pw)
    g = _Gen("compose-list")
    word = g.word()
    add(
        "compose-environment-list",
        "docker-compose.yml",
        f"services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD={word}\n",
        word,
    )
    g = _Gen("compose-map")
    pw = g.password()
    add(
        "compose-environment-map",
        "compose.yaml",
        f"services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: {pw}\n",
        pw,
    )
    g = _Gen("ini-word")
    word = g.word()
    add("ini-plain-word-password", "config/app.ini", f"[database]\nuser = app\npassword = {word}\n", word)
    g = _Gen("properties")
    pw, secret = g.password(), g.mixed(24)
    add(
        "properties-spring",
        "src/main/resources/application.properties",
        f"spring.datasource.username=app\nspring.datasource.password={pw}\napp.jwt.secret={secret}\n",
        pw,
        secret,
    )
    g = _Gen("dotenv")
    word, token = g.word() + g.chars(2, _DIGITS), "sk_live_" + g.mixed(24)
    add("dotenv-values", ".env", f"DB_PASSWORD={word}\nSTRIPE_SECRET_KEY={token}\nDEBUG=0\n", word, token)
    g = _Gen("dotenv-quoted")
    token = "sk-proj-" + g.chars(56, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add("dotenv-quoted-openai", ".env.production", f'OPENAI_API_KEY="{token}"\n', token)
    g = _Gen("toml")
    token = g.mixed(32)
    add("toml-token", "deploy.toml", f'[service]\nname = "shop"\ntoken = "{token}"\n', token)
    g = _Gen("xml-maven")
    pw = g.password()
    add(
        "xml-maven-settings",
        "settings.xml",
        f"<settings><servers><server>\n  <id>nexus</id>\n  <password>{pw}</password>\n"
        "</server></servers></settings>\n",
        pw,
    )
    g = _Gen("xml-appsettings")
    token, pw = g.mixed(32), g.password()
    add(
        "xml-web-config",
        "Web.config",
        f'<appSettings>\n  <add key="PaymentApiKey" value="{token}" />\n</appSettings>\n'
        f'<connectionStrings>\n  <add name="Db" connectionString="Server=db;User ID=shop;Password={pw};" />\n'
        "</connectionStrings>\n",
        token,
        pw,
    )
    g = _Gen("json-settings")
    secret = g.mixed(40)
    add(
        "json-client-secret",
        "appsettings.json",
        f'{{\n  "AzureAd": {{\n    "ClientId": "{g.uuid()}",\n    "ClientSecret": "{secret}"\n  }}\n}}\n',
        secret,
    )
    g = _Gen("gcp-sa")
    key_id, body = g.hex(40), g.pem_body(600).replace("\n", "\\n")
    add(
        "json-gcp-service-account",
        "service-account.json",
        '{\n  "type": "service_account",\n  "project_id": "shop-prod",\n'
        f'  "private_key_id": "{key_id}",\n'
        f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n",\n'
        '  "client_email": "deployer@shop-prod.iam.gserviceaccount.com"\n}\n',
        key_id,
        body,
    )
    g = _Gen("azure-storage")
    account_key = g.base64(64)
    add(
        "json-azure-storage-connection-string",
        "local.settings.json",
        '{\n  "Values": {\n    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=shopdata;'
        f'AccountKey={account_key};EndpointSuffix=core.windows.net"\n  }}\n}}\n',
        account_key,
    )
    g = _Gen("netrc")
    word = g.word()
    add(
        "netrc-file",
        ".netrc",
        f"machine api.heroku.com\n  login ops@shop.internal\n  password {word}\nmachine git.internal login ci password {g.password()}\n",
        word,
    )
    g = _Gen("pgpass")
    pw = g.password()
    add("pgpass-file", ".pgpass", f"db.internal:5432:shop:shop_app:{pw}\n", pw)
    g = _Gen("npmrc")
    token, auth = "npm_" + g.mixed(36), g.base64(24)
    add(
        "npmrc-auth-token",
        ".npmrc",
        f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={token}\n"
        f"//npm.internal/:_auth={auth}\n",
        token,
        auth,
    )
    g = _Gen("npmrc-private")
    token = g.uuid()
    add(
        "npmrc-uuid-token",
        ".npmrc",
        f"@shop:registry=https://npm.internal/\n//npm.internal/:_authToken={token}\n",
        token,
    )
    g = _Gen("pypirc")
    token = "pypi-AgEIcHlwaS5vcmc" + g.chars(60, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add(
        "pypirc-token",
        ".pypirc",
        f"[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {token}\n",
        token,
    )
    g = _Gen("dockerfile")
    secret, token = g.mixed(28), "npm_" + g.mixed(36)
    add(
        "dockerfile-env-and-arg",
        "Dockerfile",
        f"FROM node:20\nENV API_SECRET={secret}\nARG NPM_TOKEN={token}\nRUN npm ci\n",
        secret,
        token,
    )
    g = _Gen("git-credentials")
    token = "ghp_" + g.mixed(36)
    add("git-credentials", ".git-credentials", f"https://ci-bot:{token}@github.com\n", token)
    g = _Gen("k8s-secret")
    encoded = base64.b64encode(g.password().encode()).decode()
    add(
        "yaml-kubernetes-secret",
        "k8s/secret.yaml",
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {encoded}\n",
        encoded,
    )
    g = _Gen("yaml-ssh")
    body = g.pem_body(400)
    indented = "\n".join("    " + line for line in body.split("\n"))
    add(
        "yaml-ssh-key-block",
        "deploy/vars.yml",
        f"deploy_key: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n{indented}\n"
        "    -----END OPENSSH PRIVATE KEY-----\n",
        indented,
    )
    g = _Gen("gitlab-ci")
    token = "glpat-" + g.chars(20, _URLSAFE, (_LOWER, _UPPER, _DIGITS))
    add(
        "yaml-gitlab-ci-variable",
        ".gitlab-ci.yml",
        f'variables:\n  RELEASE_TOKEN: "{token}"\n',
        token,
    )
    g = _Gen("pem-file")
    body = g.pem_body(300)
    add(
        "pem-ssh-private-key-file",
        "deploy/id_ed25519",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n",
        body,
    )
    g = _Gen("tf")
    pw = g.password()
    add(
        "terraform-variable-default",
        "infra/main.tf",
        f'variable "db_password" {{\n  default = "{pw}"\n}}\n',
        pw,
    )
    g = _Gen("hcl-password")
    pw = g.password()
    add(
        "terraform-resource-password",
        "infra/db.tf",
        f'resource "aws_db_instance" "shop" {{\n  username = "shop"\n  password = "{pw}"\n}}\n',
        pw,
    )
    g = _Gen("yaml-comment")
    pw = g.password()
    add(
        "yaml-commented-out-password",
        "config/prod.yaml",
        f"database:\n  # password: {pw}\n  password: ${{DB_PASSWORD}}\n",
        pw,
    )
    g = _Gen("ini-aws")
    aws_secret = g.chars(40, _B64, (_LOWER, _UPPER))
    add(
        "ini-aws-credentials",
        "aws/credentials.ini",
        f"[default]\naws_access_key_id = AKIA{g.chars(16, _UPPER + _DIGITS, (_DIGITS,))}\n"
        f"aws_secret_access_key = {aws_secret}\n",
        aws_secret,
    )
    return cases


CASES: tuple[SecretCase, ...] = tuple(_cases())
