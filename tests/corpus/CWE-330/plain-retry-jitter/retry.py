import random
import time


def with_retries(func, attempts=5):
    for n in range(attempts):
        try:
            return func()
        except ConnectionError:
            delay = (2**n) * random.uniform(0.5, 1.5)
            time.sleep(delay)
    raise RuntimeError("gave up")
