from fastapi.responses import HTMLResponse


def banner_html(text):
    return "<div class='banner'>" + text + "</div>"


def banner_response(text):
    return HTMLResponse(content=banner_html(text))
