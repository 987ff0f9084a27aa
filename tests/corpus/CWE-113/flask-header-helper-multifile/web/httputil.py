def tag_response(resp, campaign):
    resp.headers.add("X-Campaign", "cmp-" + campaign)
    return resp
