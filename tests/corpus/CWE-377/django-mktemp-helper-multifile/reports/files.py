import tempfile as tf


def scratch_path(ext):
    return tf.mktemp(suffix=ext)
