import os
import tempfile


def acquire_lock():
    lock_path = tempfile.mktemp(prefix="job-", suffix=".lock", dir="/var/tmp")
    fd = os.open(lock_path, os.O_CREAT | os.O_WRONLY)
    return fd, lock_path
