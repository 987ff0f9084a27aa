import tempfile


def buffer_stream(chunks):
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)
    for chunk in chunks:
        spool.write(chunk)
    spool.seek(0)
    return spool
