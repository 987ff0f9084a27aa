import jsonpickle


def load_widget(text):
    return jsonpickle.decode(text)
