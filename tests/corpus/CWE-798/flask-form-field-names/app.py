from flask import Flask, request

app = Flask(__name__)
USERNAME_FIELD = "username"
PASSWORD_FIELD = "password"
PASSWORD_MIN_LENGTH = 12


@app.post("/signup")
def signup():
    password = request.form.get(PASSWORD_FIELD, "")
    if len(password) < PASSWORD_MIN_LENGTH:
        return {"error": f"{PASSWORD_FIELD} too short"}, 400
    return {"user": request.form.get(USERNAME_FIELD)}
