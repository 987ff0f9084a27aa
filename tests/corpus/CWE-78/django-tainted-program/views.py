import subprocess

from django.http import JsonResponse


def run_tool(request):
    tool = request.GET["tool"]
    proc = subprocess.Popen([tool, "--version"], stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    return JsonResponse({"version": out.decode()})
