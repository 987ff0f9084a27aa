import os

REPO = "/srv/app"


def checkout(branch):
    cmd = "cd %s && git fetch && git checkout %s" % (REPO, branch)
    return os.popen(cmd).read()
