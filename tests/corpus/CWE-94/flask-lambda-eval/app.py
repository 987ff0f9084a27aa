from flask import Flask, request

app = Flask(__name__)
RECORDS = [{"qty": 3}, {"qty": 10}]


@app.route("/filter")
def filter_records():
    cond = request.args["where"]
    matches = lambda rec: eval(cond, {}, rec)
    return {"rows": [r for r in RECORDS if matches(r)]}
