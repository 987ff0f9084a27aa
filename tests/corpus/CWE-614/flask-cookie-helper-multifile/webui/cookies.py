def attach_auth_cookie(resp, token):
    resp.set_cookie("auth", token, httponly=True, max_age=3600)
    return resp
