from flask import Flask, redirect, request

app = Flask(__name__)
ALLOWED_NEXT = {"/", "/account", "/orders"}


@app.post("/login")
def login():
    target = request.args.get("next", "/")
    if target in ALLOWED_NEXT:
        return redirect(target)
    return redirect("/")
