from werkzeug.serving import run_simple

from shopapp import create_app

if __name__ == "__main__":
    run_simple("0.0.0.0", 5000, create_app(), use_reloader=True, use_debugger=True)
