def set_login_cookie(response, value):
    response.set_cookie("portal_session", value, secure=True, max_age=1800)
